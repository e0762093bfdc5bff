"""The worker's stage chain: fetch, check, moderate, plan, render, audio, encode, publish."""
