// A disk of a chosen read speed, for the processes that read the bench's files (nginx, cat):
// the kernel's block I/O throttle on the device that holds them, in a cgroup of the bench's own
// (cgroup v1 blkio, or v2 io.max). The development machine's virtual disk reads 1–2 GB/s, more
// than a school's server would; this asks whether downloads then follow the disk.
// Needs root and a writable cgroup hierarchy; says why when it cannot be had.
import { existsSync, mkdirSync, readFileSync, realpathSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const V1 = "/sys/fs/cgroup/blkio";
const V2_CANDIDATES = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

export interface SlowDisk {
  /** `major:minor` of the throttled device. */
  device: string;
  bytesPerSecond: number;
  /** The command, run inside the throttled group (with everything it starts). */
  wrap(command: string[]): string[];
  /** Moves running processes into the group, or back out of it. */
  enter(pids: number[]): void;
  /** Bytes the group has read from the device (what the throttle counted). */
  bytesRead(): number;
  leave(pids: number[]): void;
  close(): void;
}

/** The whole disk under `dir` (a partition's parent): throttles apply to disks. */
function deviceOf(dir: string): string {
  const dev = statSync(dir).dev;
  const major = Math.floor(dev / 256) & 0xfff;
  const minor = (dev & 0xff) | ((Math.floor(dev / 2 ** 20) & 0xfff) << 8);
  if (major === 0) throw new Error(`${dir} is on a virtual file system (device 0:${minor}), not on a disk`);
  const sys = realpathSync(`/sys/dev/block/${major}:${minor}`);
  return existsSync(path.join(sys, "partition")) ? readFileSync(path.join(path.dirname(sys), "dev"), "utf8").trim() : `${major}:${minor}`;
}

/** "254:0 Read 1234" (v1 blkio.throttle.io_service_bytes) or "254:0 rbytes=1234 …" (v2 io.stat). */
function bytesReadBy(group: string, device: string): number {
  const v1 = path.join(group, "blkio.throttle.io_service_bytes");
  if (existsSync(v1)) return Number(new RegExp(`^${device} Read (\\d+)$`, "m").exec(readFileSync(v1, "utf8"))?.[1] ?? 0);
  return Number(new RegExp(`^${device} .*\\brbytes=(\\d+)`, "m").exec(readFileSync(path.join(group, "io.stat"), "utf8"))?.[1] ?? 0);
}

function v2Root(): string | null {
  return V2_CANDIDATES.find((root) => existsSync(path.join(root, "cgroup.controllers")) && readFileSync(path.join(root, "cgroup.controllers"), "utf8").includes("io")) ?? null;
}

/** A throttled group for reads from the disk under `dir`, or the reason there is none. */
export function slowDisk(dir: string, bytesPerSecond: number): SlowDisk | { unavailable: string } {
  try {
    const device = deviceOf(dir);
    const name = `korrigo-bench-disk-${process.pid}`;
    let group: string;
    let root: string;
    if (existsSync(path.join(V1, "blkio.throttle.read_bps_device"))) {
      root = V1;
      group = path.join(V1, name);
      mkdirSync(group);
      writeFileSync(path.join(group, "blkio.throttle.read_bps_device"), `${device} ${bytesPerSecond}`);
    } else {
      const v2 = v2Root();
      if (!v2) return { unavailable: "no blkio (cgroup v1) or io (cgroup v2) controller here" };
      // Turning the controller on for the machine's groups is left to the machine's owner.
      if (!readFileSync(path.join(v2, "cgroup.subtree_control"), "utf8").includes("io")) return { unavailable: `the io controller is not enabled in ${v2}/cgroup.subtree_control` };
      root = v2;
      group = path.join(v2, name);
      mkdirSync(group);
      writeFileSync(path.join(group, "io.max"), `${device} rbps=${bytesPerSecond}`);
    }
    const move = (to: string, pids: number[]) => {
      for (const pid of pids) writeFileSync(path.join(to, "cgroup.procs"), String(pid));
    };
    return {
      device, bytesPerSecond,
      wrap: (command) => ["sh", "-c", 'echo $$ > "$0" && exec "$@"', path.join(group, "cgroup.procs"), ...command],
      enter: (pids) => move(group, pids),
      bytesRead: () => bytesReadBy(group, device),
      leave: (pids) => move(root, pids),
      close: () => rmdirSync(group),
    };
  } catch (error) {
    return { unavailable: (error as Error).message };
  }
}
