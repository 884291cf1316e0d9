// A fake AWS Secrets Manager for tests: JSON 1.1 over HTTP or HTTPS on 127.0.0.1, SigV4 checked with the official
// @smithy/signature-v4 (so a signature it accepts is one AWS's own signer computes), and the five operations a
// rotation function uses with AWS's semantics: versions and staging labels (AWSCURRENT/AWSPENDING/AWSPREVIOUS),
// idempotent PutSecretValue by ClientRequestToken, and AWS's error codes. Faults (throttling, 5xx, silence) can be
// queued. Control routes under /__fake/ (unsigned, loopback only) seed secrets, queue faults and list requests.
import http from "node:http";
import https from "node:https";
import crypto from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";

const MAX_BODY = 1024 * 1024;
const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

export class FakeError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}
const notFound = (m) => new FakeError(400, "ResourceNotFoundException", m);
const invalidParameter = (m) => new FakeError(400, "InvalidParameterException", m);
const invalidRequest = (m) => new FakeError(400, "InvalidRequestException", m);

/** Secrets, versions and staging labels, kept as Secrets Manager keeps them. */
export class SecretStore {
  constructor(region = "us-east-1", account = "123456789012") {
    this.region = region;
    this.account = account;
    this.secrets = new Map();
  }

  create({ name, secretString, versionId = crypto.randomUUID(), rotationEnabled = true, rotationLambdaARN, deleted = false }) {
    const suffix = crypto.randomBytes(3).toString("hex");
    const secret = {
      arn: `arn:aws:secretsmanager:${this.region}:${this.account}:secret:${name}-${suffix}`,
      name,
      rotationEnabled,
      rotationLambdaARN: rotationLambdaARN ?? `arn:aws:lambda:${this.region}:${this.account}:function:rotator`,
      deletedDate: deleted ? Date.now() / 1000 : undefined,
      versions: new Map(),
    };
    this.secrets.set(name, secret);
    if (secretString !== undefined) {
      secret.versions.set(versionId, { secretString, stages: new Set(["AWSCURRENT"]), created: Date.now() / 1000 });
    }
    return secret;
  }

  find(secretId) {
    if (typeof secretId !== "string" || secretId.length === 0) {
      throw invalidParameter("You must provide a value for the SecretId parameter.");
    }
    for (const secret of this.secrets.values()) {
      if (secret.name === secretId || secret.arn === secretId) {
        return secret;
      }
    }
    throw notFound("Secrets Manager can't find the specified secret.");
  }

  holder(secret, stage) {
    for (const [id, version] of secret.versions) {
      if (version.stages.has(stage)) {
        return id;
      }
    }
    return undefined;
  }

  /** Attaches stage to versionId, taking it off whoever had it; AWSCURRENT's previous holder becomes AWSPREVIOUS. */
  attach(secret, stage, versionId) {
    const previous = this.holder(secret, stage);
    if (previous === versionId) {
      return;
    }
    if (previous !== undefined) {
      secret.versions.get(previous).stages.delete(stage);
    }
    secret.versions.get(versionId).stages.add(stage);
    if (stage === "AWSCURRENT" && previous !== undefined) {
      this.attach(secret, "AWSPREVIOUS", previous);
    }
  }

  /**
   * What RotateSecret does before it invokes the function: a new version, no value yet, staged AWSPENDING. The
   * rotation function's createSecret then fills it with PutSecretValue under the same token.
   */
  startRotation(secret, token) {
    if (typeof token !== "string" || token.length < 32 || token.length > 64) {
      throw invalidParameter("ClientRequestToken must be between 32 and 64 characters long.");
    }
    if (secret.versions.has(token)) {
      throw new FakeError(400, "ResourceExistsException", "A version with this token already exists.");
    }
    secret.versions.set(token, { secretString: undefined, stub: true, stages: new Set(), created: Date.now() / 1000 });
    this.attach(secret, "AWSPENDING", token);
  }

  describe(secret) {
    const versionIdsToStages = {};
    for (const [id, version] of secret.versions) {
      if (version.stages.size > 0) {
        versionIdsToStages[id] = [...version.stages];
      }
    }
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      RotationLambdaARN: secret.rotationLambdaARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      ...(secret.deletedDate ? { DeletedDate: secret.deletedDate } : {}),
      VersionIdsToStages: versionIdsToStages,
    };
  }
}

/** The five operations on a store. Each takes the parsed JSON body and returns the JSON answer or throws FakeError. */
export function operations(store, log) {
  const live = (id) => {
    const secret = store.find(id);
    if (secret.deletedDate) {
      throw invalidRequest("You can't perform this operation on the secret because it was marked for deletion.");
    }
    return secret;
  };
  return {
    DescribeSecret: (input) => store.describe(store.find(input.SecretId)),

    GetSecretValue: (input) => {
      const secret = live(input.SecretId);
      let versionId = input.VersionId;
      const stage = input.VersionStage ?? (versionId === undefined ? "AWSCURRENT" : undefined);
      if (versionId === undefined) {
        versionId = store.holder(secret, stage);
      }
      const version = versionId === undefined ? undefined : secret.versions.get(versionId);
      if (!version || version.stub || (stage !== undefined && !version.stages.has(stage))) {
        throw notFound(
          stage !== undefined
            ? `Secrets Manager can't find the specified secret value for staging label: ${stage}`
            : `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: versionId,
        SecretString: version.secretString,
        VersionStages: [...version.stages],
        CreatedDate: version.created,
      };
    },

    PutSecretValue: (input) => {
      const secret = live(input.SecretId);
      if (input.SecretString === undefined && input.SecretBinary === undefined) {
        throw invalidParameter("You must provide either SecretString or SecretBinary.");
      }
      const token = input.ClientRequestToken ?? crypto.randomUUID();
      if (token.length < 32 || token.length > 64) {
        throw invalidParameter("ClientRequestToken must be between 32 and 64 characters long.");
      }
      const stages = input.VersionStages ?? ["AWSCURRENT"];
      const existing = secret.versions.get(token);
      if (existing?.stub) {
        // The version RotateSecret started: it takes the value, and the stages asked for join the ones it has.
        existing.secretString = input.SecretString;
        delete existing.stub;
        existing.rotationToken = input.RotationToken;
        for (const stage of stages) {
          store.attach(secret, stage, token);
        }
        log.rotationTokens.push(input.RotationToken ?? null);
        return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
      }
      if (existing) {
        if (existing.secretString !== input.SecretString) {
          throw new FakeError(400, "ResourceExistsException", "You can't modify an existing version, you can only create a new version.");
        }
        // Same token, same value: the retry of a call that already succeeded; nothing changes.
        return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...existing.stages] };
      }
      secret.versions.set(token, { secretString: input.SecretString, stages: new Set(), created: Date.now() / 1000, rotationToken: input.RotationToken });
      for (const stage of stages) {
        store.attach(secret, stage, token);
      }
      log.rotationTokens.push(input.RotationToken ?? null);
      return { ARN: secret.arn, Name: secret.name, VersionId: token, VersionStages: [...secret.versions.get(token).stages] };
    },

    UpdateSecretVersionStage: (input) => {
      const secret = live(input.SecretId);
      const stage = input.VersionStage;
      if (typeof stage !== "string" || stage.length === 0) {
        throw invalidParameter("You must provide a value for the VersionStage parameter.");
      }
      const { MoveToVersionId: moveTo, RemoveFromVersionId: removeFrom } = input;
      if (moveTo === undefined && removeFrom === undefined) {
        throw invalidParameter("You must specify MoveToVersionId or RemoveFromVersionId.");
      }
      if (moveTo !== undefined && !secret.versions.has(moveTo)) {
        throw notFound(`Secrets Manager can't find the specified secret version: ${moveTo}`);
      }
      const holder = store.holder(secret, stage);
      if (removeFrom !== undefined && holder !== removeFrom) {
        throw invalidParameter(`The staging label ${stage} is not attached to version ${removeFrom}.`);
      }
      if (moveTo !== undefined) {
        if (holder !== undefined && holder !== moveTo && removeFrom === undefined) {
          throw invalidParameter(
            `The parameter RemoveFromVersionId can't be empty. Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
          );
        }
        store.attach(secret, stage, moveTo);
      } else {
        if (stage === "AWSCURRENT") {
          throw invalidParameter("You can't remove the staging label AWSCURRENT from a version without moving it to another version.");
        }
        secret.versions.get(removeFrom).stages.delete(stage);
      }
      return { ARN: secret.arn, Name: secret.name };
    },

    GetRandomPassword: (input) => {
      const length = input.PasswordLength ?? 32;
      if (!Number.isInteger(length) || length < 1 || length > 4096) {
        throw invalidParameter("PasswordLength must be between 1 and 4096.");
      }
      const exclude = new Set(input.ExcludeCharacters ?? "");
      const classes = [];
      if (!input.ExcludeLowercase) classes.push("abcdefghijklmnopqrstuvwxyz");
      if (!input.ExcludeUppercase) classes.push("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
      if (!input.ExcludeNumbers) classes.push("0123456789");
      if (!input.ExcludePunctuation) classes.push(PUNCTUATION);
      if (input.IncludeSpace) classes.push(" ");
      const allowed = classes.map((c) => [...c].filter((ch) => !exclude.has(ch)).join("")).filter((c) => c.length > 0);
      const requireEach = input.RequireEachIncludedType ?? true;
      if (allowed.length === 0 || (requireEach && allowed.length > length)) {
        throw invalidParameter("The password can't be generated with the specified options.");
      }
      const all = allowed.join("");
      const pick = (set) => set[crypto.randomInt(set.length)];
      for (;;) {
        const password = Array.from({ length }, () => pick(all)).join("");
        if (!requireEach || allowed.every((set) => [...password].some((ch) => set.includes(ch)))) {
          return { RandomPassword: password };
        }
      }
    },
  };
}

/** Checks the SigV4 header signature by re-signing the request's signed headers with @smithy/signature-v4. */
export async function verifySignature({ method, path, headers, body }, { region, credentials, maxSkewSeconds = 300 }) {
  const authorization = headers["authorization"];
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
    authorization ?? "",
  );
  if (!match) {
    throw new FakeError(400, "IncompleteSignatureException", "Authorization header requires a SigV4 Credential, SignedHeaders and Signature.");
  }
  const [, accessKeyId, , , , signedHeaderList] = match;
  const credential = credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!credential) {
    throw new FakeError(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  if ((credential.sessionToken ?? undefined) !== (headers["x-amz-security-token"] ?? undefined)) {
    throw new FakeError(400, "UnrecognizedClientException", "The security token included in the request is invalid.");
  }
  const signed = signedHeaderList.split(";");
  for (const required of ["host", "x-amz-date", "content-type", "x-amz-target", ...(credential.sessionToken ? ["x-amz-security-token"] : [])]) {
    if (!signed.includes(required)) {
      throw new FakeError(400, "InvalidSignatureException", `The header ${required} must be signed.`);
    }
  }
  const bodyHash = crypto.createHash("sha256").update(body).digest("hex");
  if (headers["x-amz-content-sha256"] !== undefined && headers["x-amz-content-sha256"] !== bodyHash) {
    throw new FakeError(400, "InvalidSignatureException", "The provided x-amz-content-sha256 header does not match the body.");
  }
  const amzDate = headers["x-amz-date"] ?? "";
  const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dateMatch) {
    throw new FakeError(400, "IncompleteSignatureException", "x-amz-date must be an ISO 8601 basic timestamp.");
  }
  const signingDate = new Date(Date.UTC(+dateMatch[1], dateMatch[2] - 1, +dateMatch[3], +dateMatch[4], +dateMatch[5], +dateMatch[6]));
  if (Math.abs(Date.now() - signingDate.getTime()) > maxSkewSeconds * 1000) {
    throw new FakeError(400, "InvalidSignatureException", "Signature expired: the request time is too far from the server's.");
  }
  const toSign = {};
  for (const name of signed) {
    if (headers[name] === undefined) {
      throw new FakeError(400, "InvalidSignatureException", `The signed header ${name} is missing.`);
    }
    if (name !== "x-amz-date" && name !== "x-amz-security-token") {
      toSign[name] = headers[name];
    }
  }
  const signer = new SignatureV4({ service: "secretsmanager", region, credentials: credential, sha256: Sha256, applyChecksum: false });
  const expected = await signer.sign(
    { method, protocol: "https:", hostname: headers.host, path, query: {}, headers: toSign, body },
    { signingDate, signableHeaders: new Set(signed) },
  );
  if (expected.headers["authorization"] !== authorization) {
    throw new FakeError(
      403,
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.",
    );
  }
}

/**
 * Starts the fake on 127.0.0.1. options: { region, credentials: [{accessKeyId, secretAccessKey, sessionToken?}],
 * tls: { cert, key }? , port? }. Returns { url, store, faults, requests, close() }.
 */
export async function startFake({ region = "us-east-1", credentials, tls, port = 0, maxSkewSeconds } = {}) {
  const store = new SecretStore(region);
  const log = { rotationTokens: [] };
  const ops = operations(store, log);
  const faults = []; // { kind: "throttle" | "throttle429" | "internal" | "unavailable" | "silence", operation? }
  const requests = [];
  const held = new Set();

  const takeFault = (operation) => {
    const index = faults.findIndex((f) => f.operation === undefined || f.operation === operation);
    return index < 0 ? undefined : faults.splice(index, 1)[0];
  };

  const send = (res, status, json, extraHeaders = {}) => {
    const text = JSON.stringify(json);
    res.writeHead(status, {
      "content-type": "application/x-amz-json-1.1",
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": crypto.randomUUID(),
      ...extraHeaders,
    });
    res.end(text);
  };
  const sendError = (res, error) => send(res, error.status, { __type: error.type, message: error.message });

  const control = (req, res, body) => {
    const route = `${req.method} ${req.url}`;
    if (route === "POST /__fake/secrets") {
      const input = JSON.parse(body);
      const secret = store.create(input);
      return send(res, 200, { ARN: secret.arn, Name: secret.name });
    }
    if (route === "POST /__fake/rotations") {
      try {
        const input = JSON.parse(body);
        store.startRotation(store.find(input.secretId), input.token);
        return send(res, 200, {});
      } catch (e) {
        return sendError(res, e);
      }
    }
    if (route === "POST /__fake/faults") {
      faults.push(...JSON.parse(body));
      return send(res, 200, { queued: faults.length });
    }
    if (route === "GET /__fake/requests") {
      return send(res, 200, requests);
    }
    if (route === "DELETE /__fake/requests") {
      requests.length = 0;
      return send(res, 200, {});
    }
    if (route === "GET /__fake/rotation-tokens") {
      return send(res, 200, log.rotationTokens);
    }
    if (req.method === "GET" && req.url.startsWith("/__fake/secrets/")) {
      try {
        return send(res, 200, store.describe(store.find(decodeURIComponent(req.url.slice("/__fake/secrets/".length)))));
      } catch (e) {
        return sendError(res, e);
      }
    }
    return send(res, 404, { message: "no such control route" });
  };

  const handle = async (req, res) => {
    const chunks = [];
    let size = 0;
    for await (const chunk of req) {
      size += chunk.length;
      if (size > MAX_BODY) {
        return sendError(res, new FakeError(413, "RequestEntityTooLargeException", "Request body too large."));
      }
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks).toString("utf8");
    if (req.url.startsWith("/__fake/")) {
      return control(req, res, body);
    }
    const target = req.headers["x-amz-target"] ?? "";
    const operation = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : undefined;
    const record = { method: req.method, path: req.url, headers: { ...req.headers }, body, operation, outcome: undefined };
    requests.push(record);
    try {
      if (req.method !== "POST" || req.url !== "/") {
        throw new FakeError(404, "UnknownOperationException", "Only POST / is served.");
      }
      await verifySignature({ method: req.method, path: req.url, headers: req.headers, body }, { region, credentials, maxSkewSeconds });
      if (!(req.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.1")) {
        throw new FakeError(400, "SerializationException", "Content-Type must be application/x-amz-json-1.1.");
      }
      if (!operation || !Object.hasOwn(ops, operation)) {
        throw new FakeError(400, "UnknownOperationException", "The operation is not served by this fake.");
      }
      const fault = takeFault(operation);
      if (fault) {
        record.outcome = `fault:${fault.kind}`;
        switch (fault.kind) {
          case "silence":
            held.add(res);
            res.on("close", () => held.delete(res));
            return undefined;
          case "throttle":
            return sendError(res, new FakeError(400, "ThrottlingException", "Rate exceeded"));
          case "throttle429":
            return sendError(res, new FakeError(429, "ThrottlingException", "Rate exceeded"));
          case "internal":
            return sendError(res, new FakeError(500, "InternalServiceError", "An error occurred on the server side."));
          default:
            return send(res, 503, { __type: "ServiceUnavailable", message: "Service unavailable" });
        }
      }
      let input;
      try {
        input = body.length === 0 ? {} : JSON.parse(body);
      } catch {
        throw new FakeError(400, "SerializationException", "The request body is not valid JSON.");
      }
      const output = ops[operation](input);
      record.outcome = "ok";
      return send(res, 200, output);
    } catch (e) {
      if (!(e instanceof FakeError)) {
        throw e;
      }
      record.outcome = e.type;
      return sendError(res, e);
    }
  };

  const listener = (req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) {
        send(res, 500, { __type: "InternalServiceError", message: String(e?.message ?? e) });
      }
    });
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, listener) : http.createServer(listener);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const url = `${tls ? "https" : "http"}://127.0.0.1:${server.address().port}`;
  return {
    url,
    store,
    faults,
    requests,
    rotationTokens: log.rotationTokens,
    close: () =>
      new Promise((resolve) => {
        for (const res of held) {
          res.destroy();
        }
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
