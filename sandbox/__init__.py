"""The offline sandbox: the real bot against a fake Telegram, shown in the browser.

`sandbox.fakebot` is the fake Telegram Bot API (also what the tests talk to), `sandbox.demo`
seeds a demo library, `sandbox.server` serves the page with three phones.
"""
