"""Payment gateways: the interface (base.py) and the one protocol implemented, VNPAY's (vnpay.py)."""
