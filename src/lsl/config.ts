/**
 * The `lsl_api.cfg` configuration of Lab Streaming Layer as liblsl 1.17 reads it: where the file
 * is looked up, its INI dialect, the keys that shape discovery and timing, and the discovery
 * targets they produce. Reading the same file as liblsl lets one file control both sides of a
 * mixed setup.
 *
 * This reader is stricter than liblsl, which logs a bad file and silently falls back to the next
 * location or to the multicast defaults. Here every problem throws an {@link LslConfigError}
 * naming the file and line: an invalid file, a number with trailing text (liblsl reads its
 * leading digits), a set written without braces (liblsl reads an empty set) or with braces
 * inside (an inline comment), a section name with surrounding spaces (liblsl ignores its keys)
 * and out-of-range ports or counts.
 */

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** IP families used: `disable` is IPv4 only, `force` is IPv6 only. */
export type Ipv6Mode = "allow" | "disable" | "force";

/** How far discovery queries reach, from this host only (`machine`) to the internet (`global`). */
export type ResolveScope = "machine" | "link" | "site" | "organization" | "global";

/** The scopes from narrowest to widest. Each one includes the address pools of the narrower ones. */
export const RESOLVE_SCOPES: readonly ResolveScope[] = ["machine", "link", "site", "organization", "global"];

/** LSL settings, named after the `lsl_api.cfg` keys and holding liblsl's defaults unless set. */
export interface LslConfig {
  /** UDP port of the discovery responders (`ports.MulticastPort`). */
  readonly multicastPort: number;
  /** First port of the range for service and data sockets (`ports.BasePort`). */
  readonly basePort: number;
  /** Number of ports in that range (`ports.PortRange`). */
  readonly portRange: number;
  /** Whether a socket may take a port chosen by the OS when the range is full. */
  readonly allowRandomPorts: boolean;
  readonly ipv6: Ipv6Mode;
  readonly resolveScope: ResolveScope;
  readonly machineAddresses: readonly string[];
  readonly linkAddresses: readonly string[];
  readonly siteAddresses: readonly string[];
  readonly organizationAddresses: readonly string[];
  readonly globalAddresses: readonly string[];
  /** Discovery addresses that replace the scope's pools when not empty. */
  readonly addressesOverride: readonly string[];
  /** Multicast TTL that replaces the scope's TTL when 0 or more, or -1 to keep the scope's TTL. */
  readonly ttlOverride: number;
  /** Last seven groups of the IPv6 discovery groups, which get an `FF02:` to `FF0E:` prefix. */
  readonly ipv6MulticastGroup: string;
  /** Bind address of the discovery responders, or empty for the wildcard address. */
  readonly listenAddress: string;
  /** Local interface addresses for group joins and query sends, or empty for every interface the OS lists. */
  readonly interfaces: readonly string[];
  /** Hosts queried by unicast on every port of the range. */
  readonly knownPeers: readonly string[];
  /** Session published as `session_id` and required by default queries. */
  readonly sessionId: string;
  /** Highest protocol version spoken, 100 or 110. */
  readonly useProtocolVersion: number;
  /** Half-life of the dejitter fit's memory. */
  readonly smoothingHalftimeS: number;
  /** Whether outlets replace user timestamps with the clock at push time. */
  readonly forceDefaultTimestamps: boolean;
  readonly multicastMinRttS: number;
  readonly multicastMaxRttS: number;
  readonly unicastMinRttS: number;
  readonly unicastMaxRttS: number;
  readonly continuousResolveIntervalS: number;
  /** Time probes sent per time-correction round. */
  readonly timeProbeCount: number;
  readonly timeProbeIntervalS: number;
  readonly timeProbeMaxRttS: number;
  /** Replies a round needs before its estimate replaces the previous one. */
  readonly timeUpdateMinProbes: number;
  readonly timeUpdateIntervalS: number;
  readonly watchdogCheckIntervalS: number;
  readonly watchdogTimeThresholdS: number;
  /** Every `section.key` read from the file with its raw value, unknown keys included. */
  readonly entries: Readonly<Record<string, string>>;
  /** Origin: the file's path, `defaults`, `options`, or `options over <path>`. */
  readonly source: string;
}

/** liblsl 1.17's built-in settings, used when no file is found. */
export const LSL_CONFIG_DEFAULTS: LslConfig = Object.freeze({
  multicastPort: 16571,
  basePort: 16572,
  portRange: 32,
  allowRandomPorts: true,
  ipv6: "allow",
  resolveScope: "site",
  machineAddresses: ["127.0.0.1"],
  linkAddresses: ["255.255.255.255", "224.0.0.1", "224.0.0.183"],
  siteAddresses: ["239.255.172.215"],
  organizationAddresses: [],
  globalAddresses: [],
  addressesOverride: [],
  ttlOverride: -1,
  ipv6MulticastGroup: "113D:6FDD:2C17:A643:FFE2:1BD1:3CD2",
  listenAddress: "",
  interfaces: [],
  knownPeers: [],
  sessionId: "default",
  useProtocolVersion: 110,
  smoothingHalftimeS: 90,
  forceDefaultTimestamps: false,
  multicastMinRttS: 0.5,
  multicastMaxRttS: 3,
  unicastMinRttS: 0.75,
  unicastMaxRttS: 5,
  continuousResolveIntervalS: 0.5,
  timeProbeCount: 8,
  timeProbeIntervalS: 0.064,
  timeProbeMaxRttS: 0.128,
  timeUpdateMinProbes: 6,
  timeUpdateIntervalS: 2,
  watchdogCheckIntervalS: 15,
  watchdogTimeThresholdS: 15,
  entries: {},
  source: "defaults",
});

/**
 * Settings that keep all LSL traffic on 127.0.0.1, the same as the loopback test file: IPv4
 * only, machine scope, discovery on 127.0.0.1 and unicast queries to 127.0.0.1 over the port
 * range. It also clears the overrides a lab file may set, so it stays loopback over any file.
 */
export const LOOPBACK_LSL_CONFIG: Partial<LslConfig> = Object.freeze({
  ipv6: "disable",
  multicastPort: 16571,
  basePort: 16572,
  portRange: 32,
  resolveScope: "machine",
  machineAddresses: ["127.0.0.1"],
  addressesOverride: [],
  ttlOverride: -1,
  listenAddress: "127.0.0.1",
  interfaces: ["127.0.0.1"],
  knownPeers: ["127.0.0.1"],
  sessionId: "default",
});

/** Error raised for a configuration file or option that cannot be used. */
export class LslConfigError extends Error {
  override readonly name = "LslConfigError";
  /** The file, or `options` for a value given in code. */
  readonly path: string;
  /** The 1-based line of the problem, when one line causes it. */
  readonly line: number | undefined;

  constructor(message: string, path: string, line?: number) {
    super(message);
    this.path = path;
    this.line = line;
  }
}

type Field = Exclude<keyof LslConfig, "entries" | "source">;
type ValueKind = "integer" | "seconds" | "boolean" | "set" | "text" | "ipv6" | "scope";

interface KeySpec {
  readonly field: Field;
  readonly kind: ValueKind;
  /** Smallest accepted number. Values of kind `seconds` must also be greater than 0. */
  readonly min?: number;
  readonly max?: number;
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const IPV6_ALIASES: Readonly<Record<string, Ipv6Mode>> = {
  allow: "allow",
  allowed: "allow",
  disable: "disable",
  disabled: "disable",
  force: "force",
  forced: "force",
};

/** Every key this module reads, as `section.Key` (case-sensitive, as in liblsl). */
const KEYS: Readonly<Record<string, KeySpec>> = {
  "ports.MulticastPort": { field: "multicastPort", kind: "integer", min: 1, max: 65535 },
  "ports.BasePort": { field: "basePort", kind: "integer", min: 1, max: 65535 },
  "ports.PortRange": { field: "portRange", kind: "integer", min: 1, max: 65535 },
  "ports.AllowRandomPorts": { field: "allowRandomPorts", kind: "boolean" },
  "ports.IPv6": { field: "ipv6", kind: "ipv6" },
  "multicast.ResolveScope": { field: "resolveScope", kind: "scope" },
  "multicast.MachineAddresses": { field: "machineAddresses", kind: "set" },
  "multicast.LinkAddresses": { field: "linkAddresses", kind: "set" },
  "multicast.SiteAddresses": { field: "siteAddresses", kind: "set" },
  "multicast.OrganizationAddresses": { field: "organizationAddresses", kind: "set" },
  "multicast.GlobalAddresses": { field: "globalAddresses", kind: "set" },
  "multicast.AddressesOverride": { field: "addressesOverride", kind: "set" },
  "multicast.TTLOverride": { field: "ttlOverride", kind: "integer", min: -1, max: 255 },
  "multicast.IPv6MulticastGroup": { field: "ipv6MulticastGroup", kind: "text" },
  "multicast.ListenAddress": { field: "listenAddress", kind: "text" },
  "multicast.Interfaces": { field: "interfaces", kind: "set" },
  "lab.KnownPeers": { field: "knownPeers", kind: "set" },
  "lab.SessionID": { field: "sessionId", kind: "text" },
  "tuning.UseProtocolVersion": { field: "useProtocolVersion", kind: "integer", min: 100 },
  "tuning.SmoothingHalftime": { field: "smoothingHalftimeS", kind: "seconds" },
  "tuning.ForceDefaultTimestamps": { field: "forceDefaultTimestamps", kind: "boolean" },
  "tuning.MulticastMinRTT": { field: "multicastMinRttS", kind: "seconds" },
  "tuning.MulticastMaxRTT": { field: "multicastMaxRttS", kind: "seconds" },
  "tuning.UnicastMinRTT": { field: "unicastMinRttS", kind: "seconds" },
  "tuning.UnicastMaxRTT": { field: "unicastMaxRttS", kind: "seconds" },
  "tuning.ContinuousResolveInterval": { field: "continuousResolveIntervalS", kind: "seconds" },
  "tuning.TimeProbeCount": { field: "timeProbeCount", kind: "integer", min: 1 },
  "tuning.TimeProbeInterval": { field: "timeProbeIntervalS", kind: "seconds" },
  "tuning.TimeProbeMaxRTT": { field: "timeProbeMaxRttS", kind: "seconds" },
  "tuning.TimeUpdateMinProbes": { field: "timeUpdateMinProbes", kind: "integer", min: 1 },
  "tuning.TimeUpdateInterval": { field: "timeUpdateIntervalS", kind: "seconds" },
  "tuning.WatchdogCheckInterval": { field: "watchdogCheckIntervalS", kind: "seconds" },
  "tuning.WatchdogTimeThreshold": { field: "watchdogTimeThresholdS", kind: "seconds" },
};

const SPEC_BY_FIELD = new Map(Object.entries(KEYS).map(([key, spec]) => [spec.field, { key, spec }]));

/** Highest protocol version of liblsl 1.17. A higher configured value is capped to it, as liblsl does. */
const MAX_PROTOCOL_VERSION = 110;

interface IniValue {
  readonly value: string;
  readonly line: number;
}

/**
 * Splits INI text into `section.key` values with liblsl's rules. A line is a comment only when
 * its first character is `;`, so text after a value stays part of it.
 */
function readIni(text: string, path: string): Map<string, IniValue> {
  const values = new Map<string, IniValue>();
  const lines = text.split("\n");
  let section = "";
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index] ?? "";
    const line = index + 1;
    const fail = (problem: string): never => {
      throw new LslConfigError(`invalid LSL config file ${path}, line ${line}: ${problem}`, path, line);
    };
    if (raw.startsWith(";") || raw.trim() === "") continue;
    if (raw.startsWith("[")) {
      const close = raw.indexOf("]");
      if (close < 0) fail(`section header "${raw.trim()}" has no closing "]"`);
      section = raw.slice(1, close);
      if (section !== section.trim()) {
        fail(`section name "[${section}]" has spaces inside the brackets, and liblsl would ignore its keys; write "[${section.trim()}]"`);
      }
      section += ".";
      continue;
    }
    const equals = raw.indexOf("=");
    if (equals < 0) {
      const hint = raw.trimStart().startsWith(";")
        ? "; a comment must start with \";\" in the first column"
        : index === 0 && raw.startsWith("\uFEFF")
          ? "; the file starts with a byte-order mark, which liblsl does not skip, so save it without one"
          : "";
      fail(`"${raw.trim()}" is not a "key = value" line${hint}`);
    }
    const key = raw.slice(0, equals).trim();
    const value = raw.slice(equals + 1).trim();
    if (key === "") fail(`the line "${raw.trim()}" has no key before "="`);
    if (value === "") fail(`key "${section}${key}" has an empty value; give a value or delete the line`);
    const fullKey = section + key;
    const earlier = values.get(fullKey);
    if (earlier) fail(`key "${fullKey}" is set again (first on line ${earlier.line}); keep one`);
    values.set(fullKey, { value, line });
  }
  return values;
}

/** Converts one raw value and returns it, or returns the problem as a message fragment. */
function convertValue(spec: KeySpec, text: string): { value: unknown } | { problem: string } {
  switch (spec.kind) {
    case "integer":
      return INTEGER.test(text) ? { value: Number(text) } : { problem: `"${text}" is not a whole number` };
    case "seconds":
      return DECIMAL.test(text) ? { value: Number(text) } : { problem: `"${text}" is not a number of seconds` };
    case "boolean":
      // liblsl treats exactly "1" as true and anything else, "true" included, as false.
      return { value: text === "1" };
    case "set":
      if (!text.startsWith("{") || !text.endsWith("}")) {
        return { problem: `"${text}" is not a set; write it in braces, as {${text}}` };
      }
      if (/[{}]/.test(text.slice(1, -1))) {
        // liblsl would read "{} ; old = {x}" as a set of one garbage item.
        return { problem: `"${text}" has braces inside the set; put comments on their own line, starting with ";"` };
      }
      return { value: text.slice(1, -1).split(",").map((item) => item.trim()).filter((item) => item !== "") };
    case "text":
      return { value: text };
    case "ipv6": {
      const mode = IPV6_ALIASES[text];
      return mode ? { value: mode } : { problem: `"${text}" is not one of allow, disable, force` };
    }
    case "scope":
      return (RESOLVE_SCOPES as readonly string[]).includes(text)
        ? { value: text }
        : { problem: `"${text}" is not one of ${RESOLVE_SCOPES.join(", ")}` };
  }
}

/** Returns why `value` is not valid for `spec`, or undefined when it is. */
function checkValue(spec: KeySpec, value: unknown): string | undefined {
  switch (spec.kind) {
    case "integer":
    case "seconds": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `${String(value)} is not a finite number`;
      if (spec.kind === "integer" && !Number.isInteger(value)) return `${value} is not a whole number`;
      if (spec.kind === "seconds" && value <= 0) return `${value} s is not greater than 0`;
      if (spec.min !== undefined && value < spec.min) return `${value} is below the minimum ${spec.min}`;
      if (spec.max !== undefined && value > spec.max) return `${value} is above the maximum ${spec.max}`;
      return undefined;
    }
    case "boolean":
      return typeof value === "boolean" ? undefined : `${String(value)} is not a boolean`;
    case "set":
      return Array.isArray(value) && value.every((item) => typeof item === "string" && item.trim() !== "")
        ? undefined
        : `${JSON.stringify(value)} is not a list of non-empty strings`;
    case "text":
      return typeof value === "string" ? undefined : `${String(value)} is not a string`;
    case "ipv6":
      return value === "allow" || value === "disable" || value === "force" ? undefined : `${String(value)} is not one of allow, disable, force`;
    case "scope":
      return (RESOLVE_SCOPES as readonly unknown[]).includes(value) ? undefined : `${String(value)} is not one of ${RESOLVE_SCOPES.join(", ")}`;
  }
}

/** Returns why the settings contradict each other, or undefined when they agree. */
function checkConsistency(config: LslConfig): string | undefined {
  const lastPort = config.basePort + config.portRange - 1;
  if (lastPort > 65535) {
    return `ports.BasePort ${config.basePort} plus ports.PortRange ${config.portRange} ends at port ${lastPort}, above 65535`;
  }
  if (config.timeUpdateMinProbes > config.timeProbeCount) {
    return `tuning.TimeUpdateMinProbes ${config.timeUpdateMinProbes} exceeds tuning.TimeProbeCount ${config.timeProbeCount}, so no time correction could ever be estimated`;
  }
  return undefined;
}

/**
 * Parses the text of an `lsl_api.cfg` file. Keys missing from the file keep liblsl's defaults and
 * unknown keys are kept in `entries`. Throws an {@link LslConfigError} naming `path`, the line and
 * the problem wherever liblsl would reject the file or misread a value.
 */
export function parseLslConfig(text: string, path: string): LslConfig {
  const values = readIni(text, path);
  const settings: Record<string, unknown> = {};
  const entries: Record<string, string> = {};
  for (const [key, { value: rawValue, line }] of values) {
    entries[key] = rawValue;
    const fail = (problem: string): never => {
      throw new LslConfigError(`invalid LSL config file ${path}, line ${line}: ${key}: ${problem}`, path, line);
    };
    if (key === "log.level") {
      // liblsl rejects the whole file for a level outside -3 to 9.
      const level = Number(rawValue);
      if (!INTEGER.test(rawValue) || level < -3 || level > 9) fail(`"${rawValue}" is not a whole number from -3 to 9`);
      continue;
    }
    const spec = KEYS[key];
    if (!spec) continue;
    const converted = convertValue(spec, rawValue);
    if ("problem" in converted) fail(converted.problem);
    else {
      const problem = checkValue(spec, converted.value);
      if (problem) fail(problem);
      settings[spec.field] = converted.value;
    }
  }
  if (typeof settings.useProtocolVersion === "number") {
    settings.useProtocolVersion = Math.min(settings.useProtocolVersion, MAX_PROTOCOL_VERSION);
  }
  const config = { ...LSL_CONFIG_DEFAULTS, ...settings, entries, source: path } as LslConfig;
  const conflict = checkConsistency(config);
  if (conflict) throw new LslConfigError(`invalid LSL config file ${path}: ${conflict}`, path);
  return config;
}

/**
 * Returns `base` with `overrides` applied, after checking every overriding value. Throws an
 * {@link LslConfigError} naming the field and the problem.
 */
export function applyLslConfigOverrides(base: LslConfig, overrides: Partial<LslConfig>): LslConfig {
  const settings: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(overrides)) {
    if (value === undefined || field === "source" || field === "entries") continue;
    const found = SPEC_BY_FIELD.get(field as Field);
    if (!found) throw new LslConfigError(`LSL config option "${field}" is unknown; use a field of LslConfig`, "options");
    const problem = checkValue(found.spec, value);
    if (problem) throw new LslConfigError(`LSL config option ${field} (${found.key}): ${problem}`, "options");
    settings[field] = Array.isArray(value) ? [...(value as string[])] : value;
  }
  if (Object.keys(settings).length === 0) return base;
  const source = base.source === "defaults" ? "options" : `options over ${base.source}`;
  const config = { ...base, ...settings, source } as LslConfig;
  const conflict = checkConsistency(config);
  if (conflict) throw new LslConfigError(`invalid LSL config options: ${conflict}`, "options");
  return config;
}

/**
 * Returns the keys of the configuration file that this reader does not know, such as a
 * misspelled `ResolvScope`. liblsl ignores them too, so a typo can silently leave a setting at
 * its network-wide default; callers should show them.
 */
export function unknownLslConfigKeys(config: LslConfig): string[] {
  return Object.keys(config.entries).filter((key) => !(key in KEYS) && !key.startsWith("log."));
}

/** Places and options that {@link loadLslConfig} reads, each defaulting to the process's own. */
export interface LoadLslConfigOptions {
  /** Environment that may name a file in `LSLAPICFG`, by default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory searched for `lsl_api.cfg`, and the base of a relative `LSLAPICFG`. */
  readonly cwd?: string;
  /** Home directory searched for `lsl_api/lsl_api.cfg`, by default `os.homedir()`. */
  readonly home?: string;
  /** System-wide file, by default `/etc/lsl_api/lsl_api.cfg`. */
  readonly systemPath?: string;
  /** Values applied over whatever was loaded. */
  readonly overrides?: Partial<LslConfig>;
}

/** Returns the files {@link loadLslConfig} tries after `LSLAPICFG`, in order. */
export function lslConfigSearchPaths(options: LoadLslConfigOptions = {}): string[] {
  return [
    join(options.cwd ?? process.cwd(), "lsl_api.cfg"),
    join(options.home ?? homedir(), "lsl_api", "lsl_api.cfg"),
    options.systemPath ?? "/etc/lsl_api/lsl_api.cfg",
  ];
}

/** Reads a file, or returns undefined when it does not exist. Throws for other read errors. */
function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new LslConfigError(`LSL config file ${path} exists but could not be read (${code ?? String(error)}); fix its permissions or remove it`, path);
  }
}

/**
 * Loads the LSL configuration the way liblsl looks it up: the file named by `LSLAPICFG`, else
 * the first of `./lsl_api.cfg`, `~/lsl_api/lsl_api.cfg` and `/etc/lsl_api/lsl_api.cfg` that
 * exists, else the defaults. Nothing is merged between files. `overrides` then apply on top.
 *
 * Unlike liblsl, this throws an {@link LslConfigError} when `LSLAPICFG` names a file that is
 * missing, unreadable or invalid, or when a file found in the other places cannot be read or is
 * invalid. liblsl would go on to the next place and possibly to multicast defaults, so a broken
 * loopback-only file would silently send queries to the whole network. An empty `LSLAPICFG`
 * counts as unset.
 */
export function loadLslConfig(options: LoadLslConfigOptions = {}): LslConfig {
  const env = options.env ?? process.env;
  const named = env.LSLAPICFG;
  let base: LslConfig = LSL_CONFIG_DEFAULTS;
  if (named !== undefined && named !== "") {
    const path = resolve(options.cwd ?? process.cwd(), named);
    const text = readOptionalFile(path);
    if (text === undefined) {
      throw new LslConfigError(`LSL config file ${path}, named by LSLAPICFG, does not exist; fix the path or unset LSLAPICFG`, path);
    }
    base = parseLslConfig(text, path);
  } else {
    for (const path of lslConfigSearchPaths(options)) {
      const text = readOptionalFile(path);
      if (text === undefined) continue;
      base = parseLslConfig(text, path);
      break;
    }
  }
  return options.overrides ? applyLslConfigOverrides(base, options.overrides) : base;
}
