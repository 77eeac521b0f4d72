"""Development sandboxes of WeChat Pay v3 and Alipay: local HTTP services that play the
provider's side of the real protocols with their own keys (never used in production)."""
