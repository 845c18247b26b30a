"""Step 1: input bytes -> Series (mail splitting, decoding, quoted replies)."""
