"""Events: the envelope and catalogue, the transactional outbox and its relay, the consumer."""
