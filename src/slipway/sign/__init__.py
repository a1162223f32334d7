"""What Slipway signs and how it is written down (pure): DSSE envelopes, in-toto statements
(the image itself, the gate's verdict), Sigstore bundles (v0.3), the Rekor entries and the
RFC 3161 request that go into them. The calls to Fulcio, Rekor and a timestamp authority are
`slipway.tools.sigstore`'s."""
