// Entry point of the Pulumi program: reads the stack configuration, declares the resources, exports what the
// next steps need. See Pulumi.yaml for every configuration key and docs/deploy.md for the walkthrough.
import * as pulumi from "@pulumi/pulumi";
import { deployRotator } from "./src/program";
import { readSettings } from "./src/settings";

const config = new pulumi.Config();
const settings = readSettings(
    { get: key => config.get(key) },
    config.get("organization") ?? pulumi.getOrganization(),
    __dirname);
const deployment = deployRotator(settings, { managingPassword: config.getSecret("managingPassword") }, __dirname);

export const functionArn = deployment.functionArn;
export const invocationRoleArn = deployment.invocationRoleArn;
export const managingCredsEnvironment = deployment.managingCredsEnvironment;
export const rotatedSecretsEnvironment = deployment.rotatedSecretsEnvironment;
export const rotateCommand = deployment.rotateCommand;
export const dbHost = deployment.dbHost;
export const dbPort = deployment.dbPort;
export const adapterUrl = deployment.adapterUrl;
