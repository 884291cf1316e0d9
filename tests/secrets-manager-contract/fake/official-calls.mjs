// Makes calls with the official @aws-sdk/client-secrets-manager, for the C# tests that compare its requests with
// ours field by field. stdin: {"url", "region", "credentials", "calls": [{"operation", "input"}]};
// stdout: one JSON array with {"ok": true} or {"error": NAME} per call, in order.
import * as sdk from "@aws-sdk/client-secrets-manager";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { url, region, credentials, calls } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const client = new sdk.SecretsManagerClient({ region, endpoint: url, credentials, maxAttempts: 1 });
const results = [];
for (const { operation, input } of calls) {
  try {
    await client.send(new sdk[`${operation}Command`](input));
    results.push({ ok: true });
  } catch (e) {
    results.push({ error: e.name });
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
