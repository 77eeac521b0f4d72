"""Domain rules live in the domain sub-packages (functions flush, the calling scope commits):
payment.orders.service (state machine, callbacks, expiry), payment.refunds.service,
payment.receipts.service, payment.reconciliation.service."""
