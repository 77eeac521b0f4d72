"""All SQL of the payment service lives in the domain sub-packages' repositories:
payment.orders.repository, payment.refunds.repository, payment.reconciliation.repository."""
