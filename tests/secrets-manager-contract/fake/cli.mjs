// Runs the fake as a process for the C# tests:
//   node cli.mjs --region R --credentials FILE.json [--tls-cert PEM --tls-key PEM]
// FILE.json is [{accessKeyId, secretAccessKey, sessionToken?}]. Prints one JSON line {"url": ...} when listening,
// and exits when stdin closes (the test process went away) or on SIGTERM.
import fs from "node:fs";
import { parseArgs } from "node:util";
import { startFake } from "./fake-secrets-manager.mjs";

const { values } = parseArgs({
  options: {
    region: { type: "string", default: "us-east-1" },
    credentials: { type: "string" },
    "tls-cert": { type: "string" },
    "tls-key": { type: "string" },
  },
});
const credentials = JSON.parse(fs.readFileSync(values.credentials, "utf8"));
const tls = values["tls-cert"] ? { cert: fs.readFileSync(values["tls-cert"]), key: fs.readFileSync(values["tls-key"]) } : undefined;
const fake = await startFake({ region: values.region, credentials, tls });
process.stdout.write(JSON.stringify({ url: fake.url }) + "\n");
const stop = async () => {
  await fake.close();
  process.exit(0);
};
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
