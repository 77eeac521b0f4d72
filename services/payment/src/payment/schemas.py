"""Request and response models live in the domain sub-packages: payment.orders.schemas,
payment.refunds.schemas, payment.reconciliation.schemas."""
