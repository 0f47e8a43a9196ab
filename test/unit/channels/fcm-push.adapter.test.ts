import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { type FcmErrorCode, type GoogleErrorBody, classifyFcmError, isStaleToken, mapFcmStatus } from '../../../src/channels/fcm/fcm-push.adapter.ts'

// FCM's answers as Google documents them (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode):
// the error envelope with FCM's own code in `details`, and what we make of each.

const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError'
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest'

function fcmError(code: number, status: string, errorCode: FcmErrorCode, message = `${errorCode} happened`): GoogleErrorBody {
  return { error: { code, message, status, details: [{ '@type': FCM_ERROR, errorCode }] } }
}

function googleError(code: number, status: string, message: string): GoogleErrorBody {
  return { error: { code, message, status } }
}

describe('mapFcmStatus', () => {
  test('accepted → sent: FCM never reports delivery to the device back to the sender', () => assert.equal(mapFcmStatus('accepted'), 'sent'))
})

describe('classifyFcmError', () => {
  const rows: Array<{ name: string; status: number; headers?: Record<string, string>; body: GoogleErrorBody; expected: { kind: 'transient' | 'permanent'; code: string; message: string; retryAfterMs: number | undefined } }> = [
    { name: 'UNREGISTERED (404): the token is stale, final', status: 404, body: fcmError(404, 'NOT_FOUND', 'UNREGISTERED'), expected: { kind: 'permanent', code: 'UNREGISTERED', message: 'UNREGISTERED happened', retryAfterMs: undefined } },
    { name: 'INVALID_ARGUMENT (400): final', status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT'), expected: { kind: 'permanent', code: 'INVALID_ARGUMENT', message: 'INVALID_ARGUMENT happened', retryAfterMs: undefined } },
    { name: 'SENDER_ID_MISMATCH (403): another project\'s token, final', status: 403, body: fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH'), expected: { kind: 'permanent', code: 'SENDER_ID_MISMATCH', message: 'SENDER_ID_MISMATCH happened', retryAfterMs: undefined } },
    {
      name: 'THIRD_PARTY_AUTH_ERROR (401): APNs refused our credentials, final, not our token',
      status: 401,
      body: fcmError(401, 'UNAUTHENTICATED', 'THIRD_PARTY_AUTH_ERROR'),
      expected: { kind: 'permanent', code: 'THIRD_PARTY_AUTH_ERROR', message: 'THIRD_PARTY_AUTH_ERROR happened', retryAfterMs: undefined },
    },
    {
      name: 'QUOTA_EXCEEDED (429) with Retry-After: transient, honoured',
      status: 429,
      headers: { 'retry-after': '60' },
      body: fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'),
      expected: { kind: 'transient', code: 'QUOTA_EXCEEDED', message: 'QUOTA_EXCEEDED happened', retryAfterMs: 60_000 },
    },
    { name: 'UNAVAILABLE (503): transient', status: 503, body: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE'), expected: { kind: 'transient', code: 'UNAVAILABLE', message: 'UNAVAILABLE happened', retryAfterMs: undefined } },
    { name: 'INTERNAL (500): transient', status: 500, body: fcmError(500, 'INTERNAL', 'INTERNAL'), expected: { kind: 'transient', code: 'INTERNAL', message: 'INTERNAL happened', retryAfterMs: undefined } },
    { name: 'UNSPECIFIED_ERROR with a 400: the status decides, final', status: 400, body: fcmError(400, 'INVALID_ARGUMENT', 'UNSPECIFIED_ERROR'), expected: { kind: 'permanent', code: 'UNSPECIFIED_ERROR', message: 'UNSPECIFIED_ERROR happened', retryAfterMs: undefined } },
    { name: 'UNSPECIFIED_ERROR with a 500: the status decides, transient', status: 500, body: fcmError(500, 'INTERNAL', 'UNSPECIFIED_ERROR'), expected: { kind: 'transient', code: 'UNSPECIFIED_ERROR', message: 'UNSPECIFIED_ERROR happened', retryAfterMs: undefined } },
    { name: 'FCM\'s final code wins over a 5xx status', status: 503, body: fcmError(503, 'UNAVAILABLE', 'UNREGISTERED'), expected: { kind: 'permanent', code: 'UNREGISTERED', message: 'UNREGISTERED happened', retryAfterMs: undefined } },
    {
      name: 'a bare 401: our access token was refused, transient (the retry gets a new one)',
      status: 401,
      body: googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
      expected: { kind: 'transient', code: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials.', retryAfterMs: undefined },
    },
    { name: 'a 401 without a body', status: 401, body: {}, expected: { kind: 'transient', code: 'UNAUTHENTICATED', message: 'FCM answered 401', retryAfterMs: undefined } },
    {
      name: 'a bare 404 (wrong project or URL): final, Google\'s status as the code',
      status: 404,
      body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.'),
      expected: { kind: 'permanent', code: 'NOT_FOUND', message: 'Requested entity was not found.', retryAfterMs: undefined },
    },
    { name: 'a bare 403', status: 403, body: googleError(403, 'PERMISSION_DENIED', 'denied'), expected: { kind: 'permanent', code: 'PERMISSION_DENIED', message: 'denied', retryAfterMs: undefined } },
    { name: 'a 502 without a body: transient, the HTTP status as the code', status: 502, body: {}, expected: { kind: 'transient', code: 'http_502', message: 'FCM answered 502', retryAfterMs: undefined } },
    { name: 'a 200 without a message name', status: 200, body: {}, expected: { kind: 'permanent', code: 'http_200', message: 'FCM answered 200', retryAfterMs: undefined } },
    {
      name: 'FCM\'s detail among other details',
      status: 400,
      body: { error: { code: 400, message: 'bad', status: 'INVALID_ARGUMENT', details: [{ '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.data' }] }, { '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }] } },
      expected: { kind: 'permanent', code: 'INVALID_ARGUMENT', message: 'bad', retryAfterMs: undefined },
    },
  ]
  for (const row of rows) {
    test(row.name, () => {
      const error = classifyFcmError(new Response(null, { status: row.status, headers: row.headers ?? {} }), row.body)
      assert.deepEqual({ kind: error.kind, code: error.code, message: error.message, retryAfterMs: error.retryAfterMs }, row.expected)
    })
  }
})

describe('isStaleToken', () => {
  const rows: Array<{ name: string; body: GoogleErrorBody; stale: boolean }> = [
    { name: 'UNREGISTERED', body: fcmError(404, 'NOT_FOUND', 'UNREGISTERED'), stale: true },
    {
      name: 'INVALID_ARGUMENT on the token field',
      body: { error: { code: 400, message: 'Invalid value', status: 'INVALID_ARGUMENT', details: [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }, { '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.token' }] }] } },
      stale: true,
    },
    { name: 'INVALID_ARGUMENT worded as a bad registration token', body: fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'The registration token is not a valid FCM registration token'), stale: true },
    {
      name: 'INVALID_ARGUMENT about the message (too large), not the token',
      body: { error: { code: 400, message: 'Message is too big', status: 'INVALID_ARGUMENT', details: [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }, { '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.data' }] }] } },
      stale: false,
    },
    {
      name: 'a token field violation without FCM\'s detail',
      body: { error: { code: 400, message: 'Invalid value', status: 'INVALID_ARGUMENT', details: [{ '@type': BAD_REQUEST, fieldViolations: [{ field: 'message.token' }] }] } },
      stale: false,
    },
    { name: 'a bare 404 NOT_FOUND (a wrong project answers the same)', body: googleError(404, 'NOT_FOUND', 'Requested entity was not found.'), stale: false },
    { name: 'SENDER_ID_MISMATCH', body: fcmError(403, 'PERMISSION_DENIED', 'SENDER_ID_MISMATCH'), stale: false },
    { name: 'QUOTA_EXCEEDED', body: fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED'), stale: false },
    { name: 'UNAVAILABLE', body: fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE'), stale: false },
    { name: 'an empty body', body: {}, stale: false },
  ]
  for (const row of rows) test(`${row.name} → ${row.stale ? 'stale' : 'kept'}`, () => assert.equal(isStaleToken(row.body), row.stale))
})
