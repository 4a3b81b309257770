"""`jingzhun import match FILE`: see below."""
