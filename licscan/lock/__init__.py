"""licscan.lock: writing it, what check may believe of it, and verifying its entries."""
