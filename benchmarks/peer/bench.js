#!/usr/bin/env node
// One bounded load run with autocannon (programmatic API), started by `python -m benchmarks.peer`.
//
//   node bench.js --url http://127.0.0.1:PORT/graphql [--method POST] --body-file BODY.json
//                 [--connections 32] [--duration 10] [--max-requests 1000000]
//                 [--expect EXPECTED.json | --expect-json EXPECTED.json] [--unique]
//                 [--name NAME] [--out SUMMARY.json]
//   node bench.js --url 'http://127.0.0.1:PORT/graphql?query=...' --method GET ...
//   node bench.js --url http://127.0.0.1:PORT --path '/graphql?query=...' --method GET ...
//
// N keep-alive connections for at most --duration seconds AND at most --max-requests requests
// (autocannon's maxOverallRequests), whichever comes first. Only loopback URLs are accepted.
// Latencies are kept per request (float ms, from autocannon's 'response' event) so p50/p99 have
// sub-millisecond resolution; autocannon's own histogram rounds to whole ms (also reported).
// --expect FILE: every response body must equal FILE byte for byte (else counted as mismatches).
// --expect-json FILE: every response body must be the same JSON value as FILE, member order
// included, whitespace aside (JSON.stringify of both parsed), through autocannon's verifyBody.
// --unique (POST only): every request's body is a document the server has never seen: a comment
// line "\n# <run id>.<counter>" is appended to the query inside the JSON body, which keeps the
// JSON valid and does not change the result (so --expect still applies, through autocannon's
// verifyBody since its expectBody cannot be combined with per-request setup).
// Writes one JSON summary to --out and a one-line digest to stdout. Exit status: 0 when every
// request got a 2xx answer (and the expected body), 3 on errors, timeouts, non-2xx, mismatches or
// no request at all, 2 on bad arguments.
'use strict'
const fs = require('fs')
const autocannon = require('autocannon')

const FLAGS = new Set(['--unique'])  // options without a value

function args (argv) {
  const out = {}
  for (let i = 2; i < argv.length; i += 2) {
    if (FLAGS.has(argv[i])) {
      out[argv[i].slice(2)] = 'true'
      i -= 1
      continue
    }
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      console.error(`bad argument ${argv[i]} (every option but --unique takes a value)`)
      process.exit(2)
    }
    out[argv[i].slice(2)] = argv[i + 1]
  }
  return out
}

const a = args(process.argv)
const method = (a.method || 'POST').toUpperCase()
if (method !== 'GET' && method !== 'POST') {
  console.error(`--method must be GET or POST, not ${a.method}`)
  process.exit(2)
}
let url = a.url || ''
if (a.path !== undefined) {
  if (!a.path.startsWith('/')) {
    console.error('--path must start with /')
    process.exit(2)
  }
  url = url.replace(/\/+$/, '') + a.path
}
const parsed = (() => {
  try { return new URL(url) } catch (e) { return null }
})()
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(url) || parsed === null ||
    !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname)) {
  console.error(`refusing non-loopback target ${url}`)
  process.exit(2)
}
const connections = Number(a.connections || 32)
const duration = Number(a.duration || 10)
const maxRequests = Number(a['max-requests'] || 1000000)
const unique = a.unique === 'true'
if (!(connections > 0 && duration > 0 && maxRequests > 0)) {
  console.error('--connections, --duration and --max-requests must be positive')
  process.exit(2)
}
if (method === 'POST' && !a['body-file']) {
  console.error('POST needs --body-file')
  process.exit(2)
}
if (unique && method !== 'POST') {
  console.error('--unique applies to POST bodies only')
  process.exit(2)
}
const body = method === 'POST' ? fs.readFileSync(a['body-file']) : undefined
if (a.expect && a['expect-json']) {
  console.error('give --expect or --expect-json, not both')
  process.exit(2)
}
const expect = a.expect ? fs.readFileSync(a.expect, 'utf8') : undefined
const expectJson = a['expect-json']
  ? JSON.stringify(JSON.parse(fs.readFileSync(a['expect-json'], 'utf8')))
  : undefined
const sameJson = (received) => {
  try {
    return JSON.stringify(JSON.parse(received)) === expectJson
  } catch (e) {
    return false
  }
}
const bodyChecked = expect !== undefined || expectJson !== undefined

const lat = new Float64Array(maxRequests + connections)
let n = 0
let non2xxSeen = 0
let uniqueSent = 0

const opts = {
  url,
  method,
  headers: method === 'POST'
    ? { 'content-type': 'application/json', accept: 'application/json' }
    : { accept: 'application/json' },
  connections,
  duration,
  maxOverallRequests: maxRequests,
  timeout: 10,
  pipelining: 1
}
if (body !== undefined) opts.body = body
if (expect !== undefined && !unique) opts.expectBody = expect
if (expectJson !== undefined) opts.verifyBody = sameJson
if (unique) {
  const request = JSON.parse(body.toString('utf8'))
  if (typeof request.query !== 'string') {
    console.error('--unique needs a body with a "query" string')
    process.exit(2)
  }
  // Unique across runs too: the server keeps what it has seen between bench.js processes.
  const runId = `${Date.now().toString(36)}.${process.pid.toString(36)}`
  opts.requests = [{
    setupRequest (req) {
      uniqueSent++
      req.body = JSON.stringify({ ...request, query: `${request.query}\n# ${runId}.${uniqueSent}` })
      return req
    }
  }]
  // autocannon refuses expectBody with `requests`; verifyBody does the same check (a mismatch
  // is counted in `mismatches` either way).
  if (expect !== undefined) opts.verifyBody = (received) => received === expect
}

const cpu0 = process.cpuUsage()
const t0 = process.hrtime.bigint()
const inst = autocannon(opts, (err, r) => {
  if (err) { console.error(err); process.exit(1) }
  const cpu = process.cpuUsage(cpu0)
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000
  const xs = lat.subarray(0, n).slice().sort()
  const pct = (p) => (xs.length ? xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] : null)
  const mean = xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : null
  const summary = {
    name: a.name || url,
    url,
    method,
    unique,
    uniqueBodiesBuilt: uniqueSent,
    connections,
    durationLimitS: duration,
    maxRequests,
    durationS: r.duration,
    requests: r.requests.total,
    reqPerSec: r.requests.total / r.duration,
    reqPerSecMeanOfSamples: r.requests.average,
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: xs.length ? xs[xs.length - 1] : null, mean },
    autocannonLatencyMs: { p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.mean, max: r.latency.max },
    bytesPerSec: r.throughput.average,
    responseBytes: r.requests.total ? Math.round(r.throughput.total / r.requests.total) : null,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    non2xxSeen,
    mismatches: r.mismatches,
    bodyChecked: expect !== undefined ? 'bytes' : expectJson !== undefined ? 'json' : false,
    loadgenCpuPct: (100 * (cpu.user + cpu.system)) / wallUs,
    autocannonVersion: require('autocannon/package.json').version,
    node: process.version
  }
  if (a.out) fs.writeFileSync(a.out, JSON.stringify(summary, null, 2) + '\n')
  const f = (v) => (v == null ? '-' : v.toFixed(2))
  console.log(`${summary.name}: ${summary.reqPerSec.toFixed(0)} req/s, p50 ${f(summary.latencyMs.p50)} ms, ` +
    `p99 ${f(summary.latencyMs.p99)} ms, ${summary.requests} reqs in ${summary.durationS}s, ` +
    `errors ${summary.errors}, timeouts ${summary.timeouts}, non2xx ${summary.non2xx}, ` +
    `mismatches ${summary.mismatches}` +
    (bodyChecked ? ` (bodies checked: ${expect !== undefined ? 'bytes' : 'JSON'})` : '') +
    (unique ? ' (unique documents)' : ''))
  const bad = summary.errors + summary.timeouts + summary.non2xx + summary.mismatches
  process.exit(bad > 0 || summary.requests === 0 ? 3 : 0)
})

inst.on('response', (client, statusCode, resBytes, responseTime) => {
  if (n < lat.length) lat[n++] = responseTime
  if (statusCode < 200 || statusCode > 299) non2xxSeen++
})
