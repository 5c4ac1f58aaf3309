"""Deduplication beyond exact hashes: near-duplicate signatures and their index (:mod:`.near`)."""
