// Entry point of the Pulumi program: reads the stack configuration, declares the resources, exports what the
// next steps need. See Pulumi.yaml for every configuration key and docs/deploy.md for the walkthrough
// (docs/secrets-manager.md for the Secrets Manager mode).
import * as pulumi from "@pulumi/pulumi";
import { deployRotator } from "./src/program";
import { deploySecretsManagerRotator } from "./src/secretsManager";
import { ConfigSource, readMode, readSecretsManagerSettings, readSettings } from "./src/settings";

const config = new pulumi.Config();
const source: ConfigSource = { get: key => config.get(key) };

function deployEsc() {
    const settings = readSettings(source, config.get("organization") ?? pulumi.getOrganization(), __dirname);
    return deployRotator(settings, { managingPassword: config.getSecret("managingPassword") }, __dirname);
}

function deploySecretsManager() {
    for (const key of ["organization", "managingPassword"]) {
        if (config.get(key) !== undefined) {
            throw new Error(`${key} only applies with mode: esc (the default); the Secrets Manager mode creates no ESC environment`);
        }
    }
    const settings = readSecretsManagerSettings(source, new pulumi.Config("aws").get("region"), __dirname);
    return deploySecretsManagerRotator(settings, __dirname);
}

const mode = readMode(source);
const esc = mode === "esc" ? deployEsc() : undefined;
const secretsManager = mode === "secretsManager" ? deploySecretsManager() : undefined;

export const functionArn = esc?.functionArn ?? secretsManager?.functionArn;
export const invocationRoleArn = esc?.invocationRoleArn;
export const managingCredsEnvironment = esc?.managingCredsEnvironment;
export const rotatedSecretsEnvironment = esc?.rotatedSecretsEnvironment;
export const rotateCommand = esc?.rotateCommand;
export const dbHost = esc?.dbHost;
export const dbPort = esc?.dbPort;
export const adapterUrl = esc?.adapterUrl;
export const secretsManagerEndpointId = secretsManager?.secretsManagerEndpointId;
export const rotatedSecretArns = secretsManager?.rotatedSecretArns;
