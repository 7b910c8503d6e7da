// A real S3-compatible server for tests of the S3 file store: s3rver (S3's HTTP API, path-style
// addressing and multipart uploads) on a free port, its objects in a temporary folder.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import S3rver from "s3rver";

export interface S3Server {
  /** Config overrides that point Korrigo at this server (STORAGE_DRIVER=s3 and the S3_* keys). */
  env: Record<string, string>;
  /** Where the server keeps its objects: a file store test can check nothing was written elsewhere. */
  directory: string;
  close(): Promise<void>;
}

const BUCKET = "korrigo-test";

export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(path.join(tmpdir(), "korrigo-s3-"));
  const server = new S3rver({ address: "127.0.0.1", port: 0, directory, silent: true, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await server.run();
  return {
    env: {
      STORAGE_DRIVER: "s3",
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_REGION: "us-east-1",
      S3_BUCKET: BUCKET,
      // s3rver checks signatures against this fixed pair.
      S3_ACCESS_KEY_ID: "S3RVER",
      S3_SECRET_ACCESS_KEY: "S3RVER",
      S3_FORCE_PATH_STYLE: "true",
    },
    directory,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
