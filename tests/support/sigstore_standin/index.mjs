// Fulcio, Rekor and an RFC 3161 timestamp authority for the tests, on one port, built on
// npm @sigstore/mock (the handlers sigstore-js tests itself with), under node.
//
//   node index.mjs --modules DIR [--host 127.0.0.1] [--port 0] [--subject-claim sub]
//
// DIR holds the node_modules this directory's package.json pins (tests/support/
// sigstore_standin.py installs them into .cache/sigstore-mock). Once listening, one JSON
// line goes to stdout: the URL and the trust material a client needs to verify what was
// issued, each certificate and key as base64 DER:
//   {"url", "fulcio": {"certChain": [root]}, "ctlog": {"publicKey", "logId"},
//    "rekor": {"publicKey", "logId"}, "tsa": {"certChain": [intermediate, root]}}
// (the test support writes Sigstore's TrustedRoot JSON from it). Every authority has a
// P-256 key of its own, made at start: nothing outlives the process.
//
// Routes (as the real services name them):
//   POST /api/v2/signingCert        Fulcio: an OIDC token + a public key (or a CSR) -> chain,
//                                   the leaf with an embedded SCT from the stand-in's CT log
//   POST /api/v1/log/entries        Rekor v1: a proposed entry (hashedrekord, dsse) -> {uuid:
//                                   entry} with SET and inclusion proof (a one-entry tree,
//                                   signed checkpoint)
//   POST /api/v1/timestamp          TSA: an RFC 3161 TimeStampReq (application/timestamp-query,
//                                   as cosign and sigstore-python send) or sigstore-js's JSON
//   GET  /api/v1/timestamp/certchain  the TSA chain, PEM
//   GET  /api/v1/log/publicKey      Rekor's key, PEM
//   GET  /healthz                   200 once the authorities are made
//
// What @sigstore/mock checks, and so what this stand-in does: Fulcio decodes the token's
// claims without verifying its signature (any issuer's JWT is accepted, the proof of
// possession is not checked either); the certificate's issuer extension is the `iss` claim,
// and GitHub's claims (repository, ref, sha, workflow_ref, ...) become the Fulcio extensions.
// The URI SAN is, as real Fulcio makes it for GitHub's issuer, https://github.com/ +
// `job_workflow_ref` when the token is GitHub's and has that claim; otherwise the claim
// named by --subject-claim (default `sub`). Certificates are valid for 10 minutes. Rekor
// logs a hashedrekord as it is sent, without checking the signature in it; a `dsse` v0.0.1
// entry it checks and logs as real Rekor does (see dsseAsRekorLogsIt): the mock would log
// the proposed envelope itself, which no verifier accepts.
import crypto from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

const modules = path.resolve(option('modules', HERE));
const require = createRequire(path.join(modules, 'package.json'));
const mock = require('@sigstore/mock');
const pkijs = require('pkijs');
const asn1js = require('asn1js');

const host = option('host', '127.0.0.1');
const port = Number(option('port', '0'));
const subjectClaim = option('subject-claim', 'sub');

const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const SAN_CLAIM = '__standin_san';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_TSA_POLICY = '1.3.6.1.4.1.57264.2';

const newKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const b64 = (bytes) => Buffer.from(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength).toString('base64');
const spki = (keyPair) => keyPair.publicKey.export({ format: 'der', type: 'spki' });
const pem = (label, der) =>
  `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').match(/.{1,64}/g).join('\n')}\n-----END ${label}-----\n`;

function readBody(request) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

// The signing-certificate request as the mock reads it. Real Fulcio also takes the token as
// `Authorization: Bearer` (sigstore-python sends it so) and the CSR as the base64 of its PEM
// (the protobuf JSON of bytes); the mock reads only `credentials` and a bare PEM. The SAN
// the stand-in chose goes into the token as a claim of its own (the mock reads the SAN from
// one claim; it never checks the token's signature).
function asTheMockReadsIt(body, headers) {
  const request = JSON.parse(body.toString());
  const bearer = /^Bearer (.+)$/i.exec(headers.authorization || '');
  if (!request.credentials && bearer) request.credentials = { oidcIdentityToken: bearer[1] };
  const csr = request.certificateSigningRequest;
  if (typeof csr === 'string' && !csr.includes('-----BEGIN')) {
    const decoded = Buffer.from(csr, 'base64').toString();
    if (decoded.includes('-----BEGIN')) request.certificateSigningRequest = decoded;
  }
  const token = request?.credentials?.oidcIdentityToken;
  if (typeof token !== 'string' || token.split('.').length !== 3) return JSON.stringify(request);
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  claims[SAN_CLAIM] =
    claims.iss === GITHUB_ISSUER && claims.job_workflow_ref
      ? `https://github.com/${claims.job_workflow_ref}`
      : claims[subjectClaim];
  const rewritten = Buffer.from(JSON.stringify(claims)).toString('base64url');
  request.credentials.oidcIdentityToken = [header, rewritten, signature].join('.');
  return JSON.stringify(request);
}

// A proposed `dsse` v0.0.1 entry as real Rekor logs it (rekor pkg/types/dsse/v0.0.1: each
// envelope signature must verify under one of the proposed verifiers, a certificate's or a
// public key's PEM; what is logged is the envelope's and the payload's SHA-256 and each
// signature with its verifier's canonical PEM, sorted by signature, without the envelope).
// Any other entry is logged as sent.
function dsseAsRekorLogsIt(body) {
  const proposed = JSON.parse(body.toString());
  if (proposed.kind !== 'dsse' || proposed.apiVersion !== '0.0.1') return body.toString();
  const content = proposed.spec?.proposedContent;
  if (!content || typeof content.envelope !== 'string' || !Array.isArray(content.verifiers)) {
    throw new Error('dsse entry without proposedContent.envelope and verifiers');
  }
  const envelope = JSON.parse(content.envelope);
  const payload = Buffer.from(envelope.payload, 'base64');
  const type = Buffer.from(envelope.payloadType);
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload,
  ]);
  const verifiers = content.verifiers.map((b64pem) => {
    const text = Buffer.from(b64pem, 'base64').toString();
    if (text.includes('CERTIFICATE')) {
      const certificate = new crypto.X509Certificate(text);
      return { key: certificate.publicKey, canonical: certificate.toString() };
    }
    const key = crypto.createPublicKey(text);
    return { key, canonical: key.export({ type: 'spki', format: 'pem' }) };
  });
  const signatures = envelope.signatures.map(({ sig }) => {
    const signer = verifiers.find(({ key }) =>
      crypto.verify('sha256', pae, key, Buffer.from(sig, 'base64')));
    if (!signer) throw new Error('dsse signature does not verify under any proposed verifier');
    return { signature: sig, verifier: Buffer.from(signer.canonical).toString('base64') };
  });
  signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
  return JSON.stringify({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256(Buffer.from(content.envelope)) },
      payloadHash: { algorithm: 'sha256', value: sha256(payload) },
      signatures,
    },
  });
}

// An RFC 3161 TimeStampReq (DER) as the fields @sigstore/mock's TSA signs. The nonce is kept
// as its DER integer: clients send 64-bit random nonces, beyond a JavaScript number.
function parseTimeStampReq(der) {
  const request = pkijs.TimeStampReq.fromBER(der);
  const imprint = request.messageImprint;
  return {
    artifactHash: Buffer.from(imprint.hashedMessage.valueBlock.valueHexView),
    hashAlgorithmOID: imprint.hashAlgorithm.algorithmId || OID_SHA256,
    nonce: 0,
    nonceInteger: request.nonce,
    policyOID: request.reqPolicy || OID_TSA_POLICY,
    certReq: Boolean(request.certReq),
  };
}

async function main() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(port, host, resolve));
  const url = `http://${host}:${server.address().port}`;

  const caKey = newKey();
  const ctKey = newKey();
  const rekorKey = newKey();
  const tsaKey = newKey();
  const ctlog = await mock.initializeCTLog(ctKey);
  const ca = await mock.initializeCA(caKey, ctlog);
  const tlog = await mock.initializeTLog(url, rekorKey);
  const tsa = await mock.initializeTSA(tsaKey);
  // The mock's TSTInfo takes the nonce as a number; put the request's own integer back.
  const tstInfo = tsa.tstInfo.bind(tsa);
  tsa.tstInfo = (req) => {
    const info = tstInfo(req);
    if (req.nonceInteger) info.nonce = req.nonceInteger;
    else delete info.nonce;
    return info;
  };

  const fulcio = mock.fulcioHandler(ca, { strict: true, subjectClaim: SAN_CLAIM });
  const rekor = mock.rekorHandler(tlog, { strict: true });
  const tsaJson = mock.tsaHandler(tsa, { strict: true });
  const tsaChain = [tsa.intCertificate, tsa.rootCertificate];

  async function answer(request, body) {
    const route = `${request.method} ${new URL(request.url, url).pathname}`;
    switch (route) {
      case 'GET /healthz':
        return { statusCode: 200, response: 'ok', contentType: 'text/plain' };
      case `POST ${fulcio.path}`:
        return fulcio.fn(asTheMockReadsIt(body, request.headers));
      case `POST ${rekor.path}`:
        return rekor.fn(dsseAsRekorLogsIt(body));
      case `POST ${tsaJson.path}`:
        if ((request.headers['content-type'] || '').startsWith('application/timestamp-query')) {
          const reply = await tsa.timestamp(parseTimeStampReq(body));
          return { statusCode: 201, response: reply, contentType: 'application/timestamp-reply' };
        }
        return tsaJson.fn(body.toString());
      case `GET ${tsaJson.path}/certchain`:
        return {
          statusCode: 200,
          response: tsaChain.map((der) => pem('CERTIFICATE', der)).join(''),
          contentType: 'application/pem-certificate-chain',
        };
      case 'GET /api/v1/log/publicKey':
        return {
          statusCode: 200,
          response: pem('PUBLIC KEY', spki(rekorKey)),
          contentType: 'application/x-pem-file',
        };
      default:
        return { statusCode: 404, response: `no route ${route}\n`, contentType: 'text/plain' };
    }
  }

  server.on('request', async (request, response) => {
    let result;
    try {
      result = await answer(request, await readBody(request));
    } catch (error) {
      result = { statusCode: 400, response: `${error.message}\n`, contentType: 'text/plain' };
    }
    const payload = typeof result.response === 'string' ? Buffer.from(result.response) : Buffer.from(result.response.buffer ?? result.response, result.response.byteOffset ?? 0, result.response.byteLength);
    response.writeHead(result.statusCode, {
      'Content-Type': result.contentType || 'text/plain',
      'Content-Length': payload.length,
    });
    response.end(payload);
  });

  const ctlogKey = Buffer.from(ctlog.publicKey);
  process.stdout.write(
    `${JSON.stringify({
      url,
      fulcio: { certChain: [b64(ca.rootCertificate)] },
      ctlog: { publicKey: ctlogKey.toString('base64'), logId: b64(ctlog.logID) },
      rekor: {
        publicKey: spki(rekorKey).toString('base64'),
        logId: crypto.createHash('sha256').update(spki(rekorKey)).digest('base64'),
      },
      tsa: { certChain: tsaChain.map(b64) },
    })}\n`,
  );
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`sigstore stand-in: ${error.stack || error}\n`);
  process.exit(1);
});
