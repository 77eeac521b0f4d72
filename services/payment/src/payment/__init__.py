"""The payment service.

Orders, WeChat Pay and Alipay, proxy payment, refunds, receipts, reconciliation.
"""
