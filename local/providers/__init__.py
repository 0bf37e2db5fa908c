"""Loopback HTTPS stand-ins for the providers baton's connectors call (DESIGN §3e), run by `make dev`.

- `tls.LocalCa`: one certificate authority made at start; every stand-in (and the Teams/Slack webhook receiver)
  serves a certificate it issued for 127.0.0.1, and the functions trust it through `WEBHOOK_CA_BUNDLE`.
- `standin.StandIn`: a provider's stand-in, its own module here (connectwise.py, ...), its own aiohttp app on its
  own port, answering the calls baton makes with the provider's documented shapes and auth checks; every call is
  recorded (`recorder.Recorder`) and a fault can be armed (`faults.ProviderFault`: a status, a Retry-After, a delay,
  for the next N calls) as local/webhooks.py's receiver does.
- `server.ProviderServer`: starts them all and serves `GET /local/connectors` (what each received),
  `POST|DELETE /local/connectors/{provider}/faults` and `POST /local/connectors/{provider}/fire` (the stand-in
  calls baton's hook as the provider would, signed as the provider signs) on the local gateway.
- `BATON_DEV_ALLOW_HOSTS` (extra `host:port` entries for every connector's allowlist) and `BATON_DEV_CA_BUNDLE`
  (a PEM file trusted besides the local CA) point `make dev`'s connectors at a vendor sandbox or a contract-test
  server of one's own instead (`server.dev_overrides`).
"""
