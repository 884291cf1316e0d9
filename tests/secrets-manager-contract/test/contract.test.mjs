// The official @aws-sdk/client-secrets-manager against the fake: every operation the rotation function uses, its
// errors and idempotency, throttling and 5xx as the official client's retry strategy sees them, and signature
// refusals. What passes here is what the C# client's tests may rely on the fake for.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import https from "node:https";
import { execFileSync } from "node:child_process";
import {
  SecretsManagerClient,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  GetRandomPasswordCommand,
  ResourceNotFoundException,
  ResourceExistsException,
  InvalidParameterException,
  InvalidRequestException,
} from "@aws-sdk/client-secrets-manager";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startFake } from "../fake/fake-secrets-manager.mjs";

const REGION = "eu-west-1";
const KEY = { accessKeyId: "AKIDCONTRACT", secretAccessKey: "contract/secret/key", sessionToken: "contract-session-token" };
const T1 = "c0000000-0000-4000-8000-000000000001";
const T2 = "c0000000-0000-4000-8000-000000000002";

let fake;
const client = (overrides = {}) =>
  new SecretsManagerClient({ region: REGION, endpoint: fake.url, credentials: KEY, maxAttempts: 1, ...overrides });

before(async () => {
  fake = await startFake({ region: REGION, credentials: [KEY] });
});
after(async () => fake.close());
beforeEach(() => {
  fake.store.secrets.clear();
  fake.faults.length = 0;
  fake.rotationTokens.length = 0;
});

const seed = (name = "db", value = '{"username":"app","password":"one"}', versionId = "v-initial-00000000000000000000000001") =>
  fake.store.create({ name, secretString: value, versionId });

test("DescribeSecret returns rotation settings and the staging labels of each version", async () => {
  const secret = seed();
  const out = await client().send(new DescribeSecretCommand({ SecretId: "db" }));
  assert.equal(out.ARN, secret.arn);
  assert.equal(out.RotationEnabled, true);
  assert.deepEqual(out.VersionIdsToStages, { "v-initial-00000000000000000000000001": ["AWSCURRENT"] });
  const byArn = await client().send(new DescribeSecretCommand({ SecretId: secret.arn }));
  assert.equal(byArn.Name, "db");
});

test("GetSecretValue by stage, by version id, and AWSCURRENT by default", async () => {
  seed();
  const current = await client().send(new GetSecretValueCommand({ SecretId: "db" }));
  assert.equal(current.SecretString, '{"username":"app","password":"one"}');
  assert.deepEqual(current.VersionStages, ["AWSCURRENT"]);
  assert.ok(current.CreatedDate instanceof Date);
  const byId = await client().send(new GetSecretValueCommand({ SecretId: "db", VersionId: current.VersionId }));
  assert.equal(byId.VersionId, current.VersionId);
  const byStage = await client().send(new GetSecretValueCommand({ SecretId: "db", VersionStage: "AWSCURRENT" }));
  assert.equal(byStage.VersionId, current.VersionId);
});

test("GetSecretValue of a missing stage, version or secret is ResourceNotFoundException", async () => {
  seed();
  for (const input of [{ SecretId: "db", VersionStage: "AWSPENDING" }, { SecretId: "db", VersionId: T1 }, { SecretId: "nope" }]) {
    await assert.rejects(client().send(new GetSecretValueCommand(input)), (e) => e instanceof ResourceNotFoundException && e.$metadata.httpStatusCode === 400);
  }
});

test("PutSecretValue is idempotent by ClientRequestToken and refuses the token with other content", async () => {
  seed();
  const put = { SecretId: "db", ClientRequestToken: T1, SecretString: "pending", VersionStages: ["AWSPENDING"] };
  const first = await client().send(new PutSecretValueCommand(put));
  assert.equal(first.VersionId, T1);
  assert.deepEqual(first.VersionStages, ["AWSPENDING"]);
  const again = await client().send(new PutSecretValueCommand(put));
  assert.equal(again.VersionId, T1);
  assert.equal(fake.store.find("db").versions.size, 2);
  await assert.rejects(client().send(new PutSecretValueCommand({ ...put, SecretString: "other" })), (e) => e instanceof ResourceExistsException);
});

test("PutSecretValue passes RotationToken through and defaults to AWSCURRENT, demoting the old one", async () => {
  seed();
  await client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: "new", RotationToken: "rt-1" }));
  assert.deepEqual(fake.rotationTokens, ["rt-1"]);
  const described = await client().send(new DescribeSecretCommand({ SecretId: "db" }));
  assert.deepEqual(described.VersionIdsToStages, { "v-initial-00000000000000000000000001": ["AWSPREVIOUS"], [T1]: ["AWSCURRENT"] });
});

test("PutSecretValue without a value or with a short token is InvalidParameterException; on a deleted secret InvalidRequestException", async () => {
  seed();
  await assert.rejects(client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1 })), (e) => e instanceof InvalidParameterException);
  await assert.rejects(client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: "short", SecretString: "x" })), (e) => e instanceof InvalidParameterException);
  fake.store.create({ name: "gone", secretString: "x", deleted: true });
  await assert.rejects(client().send(new PutSecretValueCommand({ SecretId: "gone", ClientRequestToken: T1, SecretString: "x" })), (e) => e instanceof InvalidRequestException);
});

test("UpdateSecretVersionStage moves AWSCURRENT, the old version becoming AWSPREVIOUS, as finishSecret does", async () => {
  seed();
  await client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: "new", VersionStages: ["AWSPENDING"] }));
  await client().send(
    new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSCURRENT", MoveToVersionId: T1, RemoveFromVersionId: "v-initial-00000000000000000000000001" }),
  );
  await client().send(new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSPENDING", RemoveFromVersionId: T1 }));
  const described = await client().send(new DescribeSecretCommand({ SecretId: "db" }));
  assert.deepEqual(described.VersionIdsToStages, { "v-initial-00000000000000000000000001": ["AWSPREVIOUS"], [T1]: ["AWSCURRENT"] });
  // Moving it again to where it is already is a no-op, as a retried finishSecret does.
  await client().send(new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSCURRENT", MoveToVersionId: T1, RemoveFromVersionId: T1 }));
  const current = await client().send(new GetSecretValueCommand({ SecretId: "db" }));
  assert.equal(current.VersionId, T1);
});

test("UpdateSecretVersionStage errors: RemoveFromVersionId missing or wrong, unknown version", async () => {
  seed();
  await client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: "new", VersionStages: ["AWSPENDING"] }));
  await assert.rejects(
    client().send(new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSCURRENT", MoveToVersionId: T1 })),
    (e) => e instanceof InvalidParameterException && /RemoveFromVersionId/.test(e.message),
  );
  await assert.rejects(
    client().send(new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSCURRENT", MoveToVersionId: T1, RemoveFromVersionId: T1 })),
    (e) => e instanceof InvalidParameterException,
  );
  await assert.rejects(
    client().send(new UpdateSecretVersionStageCommand({ SecretId: "db", VersionStage: "AWSCURRENT", MoveToVersionId: T2, RemoveFromVersionId: "v-initial-00000000000000000000000001" })),
    (e) => e instanceof ResourceNotFoundException,
  );
  const described = await client().send(new DescribeSecretCommand({ SecretId: "db" }));
  assert.deepEqual(described.VersionIdsToStages, { "v-initial-00000000000000000000000001": ["AWSCURRENT"], [T1]: ["AWSPENDING"] });
});

test("GetRandomPassword honours length, excluded characters and character classes", async () => {
  const out = await client().send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludeCharacters: "/@\"'\\" }));
  assert.equal(out.RandomPassword.length, 40);
  assert.ok(![..."/@\"'\\"].some((c) => out.RandomPassword.includes(c)));
  const alnum = await client().send(new GetRandomPasswordCommand({ PasswordLength: 64, ExcludePunctuation: true }));
  assert.match(alnum.RandomPassword, /^[A-Za-z0-9]{64}$/);
  assert.match(alnum.RandomPassword, /[A-Z]/);
  assert.match(alnum.RandomPassword, /[0-9]/);
  await assert.rejects(client().send(new GetRandomPasswordCommand({ PasswordLength: 5000 })), (e) => e instanceof InvalidParameterException);
});

for (const kind of ["throttle", "throttle429", "internal", "unavailable"]) {
  test(`the official client retries the fake's ${kind} answer`, async () => {
    seed();
    fake.faults.push({ kind });
    const out = await client({ maxAttempts: 3 }).send(new DescribeSecretCommand({ SecretId: "db" }));
    assert.equal(out.$metadata.attempts, 2);
    assert.equal(fake.faults.length, 0);
  });
}

test("the fake's throttling is ThrottlingException to the official client when retries run out", async () => {
  seed();
  fake.faults.push({ kind: "throttle" });
  await assert.rejects(client().send(new DescribeSecretCommand({ SecretId: "db" })), (e) => e.name === "ThrottlingException");
});

test("silence: the official client's request timeout fires and nothing answers", async () => {
  seed();
  fake.faults.push({ kind: "silence" });
  const started = Date.now();
  await assert.rejects(
    client({ requestHandler: new NodeHttpHandler({ requestTimeout: 300, throwOnRequestTimeout: true }) }).send(new DescribeSecretCommand({ SecretId: "db" })),
    (e) => e.name === "TimeoutError" || /timeout/i.test(e.message),
  );
  assert.ok(Date.now() - started < 5000);
});

test("wrong secret key, wrong region, missing or unknown session token are refused and change nothing", async () => {
  seed();
  const put = new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: "x", VersionStages: ["AWSPENDING"] });
  const cases = [
    [{ credentials: { ...KEY, secretAccessKey: "wrong" } }, "InvalidSignatureException"],
    [{ region: "us-east-1" }, "InvalidSignatureException"],
    [{ credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey } }, "UnrecognizedClientException"],
    [{ credentials: { ...KEY, accessKeyId: "AKIDUNKNOWN" } }, "UnrecognizedClientException"],
  ];
  for (const [overrides, name] of cases) {
    await assert.rejects(client(overrides).send(put), (e) => e.name === name);
  }
  assert.equal(fake.store.find("db").versions.size, 1);
});

test("over HTTPS with a certificate the client trusts", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sm-fake-tls-"));
  try {
    const key = path.join(dir, "key.pem");
    const cert = path.join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert], { stdio: "ignore" });
    const secure = await startFake({ region: REGION, credentials: [KEY], tls: { cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
    try {
      secure.store.create({ name: "db", secretString: "tls" });
      const agent = new https.Agent({ ca: fs.readFileSync(cert) });
      const tlsClient = new SecretsManagerClient({ region: REGION, endpoint: secure.url, credentials: KEY, maxAttempts: 1, requestHandler: new NodeHttpHandler({ httpsAgent: agent }) });
      const out = await tlsClient.send(new GetSecretValueCommand({ SecretId: "db" }));
      assert.equal(out.SecretString, "tls");
      assert.ok(secure.url.startsWith("https://127.0.0.1:"));
    } finally {
      await secure.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a rotation's pending version has no value until PutSecretValue fills it under the same token", async () => {
  const secret = seed();
  fake.store.startRotation(secret, T1);
  const described = await client().send(new DescribeSecretCommand({ SecretId: "db" }));
  assert.deepEqual(described.VersionIdsToStages[T1], ["AWSPENDING"]);
  await assert.rejects(
    client().send(new GetSecretValueCommand({ SecretId: "db", VersionId: T1, VersionStage: "AWSPENDING" })),
    ResourceNotFoundException,
  );
  const put = await client().send(
    new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: '{"username":"app","password":"two"}', VersionStages: ["AWSPENDING"] }),
  );
  assert.deepEqual(put.VersionStages, ["AWSPENDING"]);
  const pending = await client().send(new GetSecretValueCommand({ SecretId: "db", VersionId: T1, VersionStage: "AWSPENDING" }));
  assert.equal(pending.SecretString, '{"username":"app","password":"two"}');
  const current = await client().send(new GetSecretValueCommand({ SecretId: "db" }));
  assert.equal(current.SecretString, '{"username":"app","password":"one"}');
  // The same put again is a retry of a call that succeeded; another value under the token is refused.
  await client().send(
    new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: '{"username":"app","password":"two"}', VersionStages: ["AWSPENDING"] }),
  );
  await assert.rejects(
    client().send(new PutSecretValueCommand({ SecretId: "db", ClientRequestToken: T1, SecretString: "{}", VersionStages: ["AWSPENDING"] })),
    ResourceExistsException,
  );
});
