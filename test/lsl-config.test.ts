import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  applyLslConfigOverrides,
  LOOPBACK_LSL_CONFIG,
  loadLslConfig,
  LSL_CONFIG_DEFAULTS,
  LslConfigError,
  lslConfigSearchPaths,
  parseLslConfig,
  type LslConfig,
  type ResolveScope,
} from "../src/lsl/config.js";
import { discoveryAddresses, discoveryTargets, isLoopbackOnly } from "../src/lsl/discovery-targets.js";

/** The loopback-only test file recommended for interop tests, byte for byte. */
const LOOPBACK_FILE = `[ports]
IPv6 = disable
MulticastPort = 16571
BasePort = 16572
PortRange = 32

[multicast]
ResolveScope = machine
MachineAddresses = {127.0.0.1}
ListenAddress = 127.0.0.1
Interfaces = {127.0.0.1}

[lab]
KnownPeers = {127.0.0.1}
SessionID = default

[log]
level = 0
`;

const IPV6_GROUP = "113D:6FDD:2C17:A643:FFE2:1BD1:3CD2";

function parseError(text: string): LslConfigError {
  try {
    parseLslConfig(text, "/labs/lsl_api.cfg");
  } catch (error) {
    if (error instanceof LslConfigError) return error;
    throw error;
  }
  throw new Error(`expected the config text to be rejected: ${JSON.stringify(text)}`);
}

describe("parseLslConfig", () => {
  it("reads the loopback test file as loopback-only", () => {
    const config = parseLslConfig(LOOPBACK_FILE, "/labs/lsl_api.cfg");
    expect(config.source).toBe("/labs/lsl_api.cfg");
    expect(config.ipv6).toBe("disable");
    expect(config.resolveScope).toBe("machine");
    expect(config.machineAddresses).toEqual(["127.0.0.1"]);
    expect(config.listenAddress).toBe("127.0.0.1");
    expect(config.interfaces).toEqual(["127.0.0.1"]);
    expect(config.knownPeers).toEqual(["127.0.0.1"]);
    expect(config.sessionId).toBe("default");
    expect(config.entries["log.level"]).toBe("0");
    expect(isLoopbackOnly(config)).toBe(true);
  });

  it("keeps defaults for keys the file leaves out", () => {
    const config = parseLslConfig("[lab]\nSessionID = bench\n", "a.cfg");
    expect(config.sessionId).toBe("bench");
    expect(config.multicastPort).toBe(16571);
    expect(config.basePort).toBe(16572);
    expect(config.portRange).toBe(32);
    expect(config.resolveScope).toBe("site");
    expect(config.smoothingHalftimeS).toBe(90);
    expect(config.timeUpdateMinProbes).toBe(6);
    expect(isLoopbackOnly(config)).toBe(false);
  });

  it("reads every tuning key", () => {
    const text = [
      "[tuning]",
      "UseProtocolVersion = 100",
      "SmoothingHalftime = 30.5",
      "ForceDefaultTimestamps = 1",
      "MulticastMinRTT = 0.25",
      "MulticastMaxRTT = 2",
      "UnicastMinRTT = 0.5",
      "UnicastMaxRTT = 4",
      "ContinuousResolveInterval = 1",
      "TimeProbeCount = 10",
      "TimeProbeInterval = 0.032",
      "TimeProbeMaxRTT = 0.256",
      "TimeUpdateMinProbes = 4",
      "TimeUpdateInterval = 3",
      "WatchdogCheckInterval = 20",
      "WatchdogTimeThreshold = 25",
    ].join("\n");
    const config = parseLslConfig(text, "t.cfg");
    expect(config).toMatchObject({
      useProtocolVersion: 100,
      smoothingHalftimeS: 30.5,
      forceDefaultTimestamps: true,
      multicastMinRttS: 0.25,
      multicastMaxRttS: 2,
      unicastMinRttS: 0.5,
      unicastMaxRttS: 4,
      continuousResolveIntervalS: 1,
      timeProbeCount: 10,
      timeProbeIntervalS: 0.032,
      timeProbeMaxRttS: 0.256,
      timeUpdateMinProbes: 4,
      timeUpdateIntervalS: 3,
      watchdogCheckIntervalS: 20,
      watchdogTimeThresholdS: 25,
    });
  });

  it("caps the protocol version at 110", () => {
    expect(parseLslConfig("[tuning]\nUseProtocolVersion = 120\n", "t.cfg").useProtocolVersion).toBe(110);
  });

  it("reads CRLF line ends", () => {
    const config = parseLslConfig(LOOPBACK_FILE.replaceAll("\n", "\r\n"), "crlf.cfg");
    expect(config.knownPeers).toEqual(["127.0.0.1"]);
    expect(isLoopbackOnly(config)).toBe(true);
  });

  it("skips comments only in the first column", () => {
    const config = parseLslConfig("; a comment\n[lab]\n;SessionID = x\nSessionID = y\n", "c.cfg");
    expect(config.sessionId).toBe("y");
    const indented = parseError("[lab]\n  ; an indented comment\n");
    expect(indented.line).toBe(2);
    expect(indented.message).toContain("first column");
  });

  it("keeps inline comments as part of the value", () => {
    const config = parseLslConfig("[lab]\nSessionID = lab ; old = default\n", "c.cfg");
    expect(config.sessionId).toBe("lab ; old = default");
  });

  it("rejects a set with an inline comment", () => {
    const error = parseError("[multicast]\nOrganizationAddresses = {} ; old = {239.192.172.215}\n");
    expect(error.line).toBe(2);
    expect(error.message).toContain("multicast.OrganizationAddresses");
    expect(error.message).toContain("braces inside the set");
  });

  it("reads booleans as true only for 1", () => {
    expect(parseLslConfig("[ports]\nAllowRandomPorts = 0\n", "b.cfg").allowRandomPorts).toBe(false);
    expect(parseLslConfig("[ports]\nAllowRandomPorts = true\n", "b.cfg").allowRandomPorts).toBe(false);
    expect(parseLslConfig("[tuning]\nForceDefaultTimestamps = true\n", "b.cfg").forceDefaultTimestamps).toBe(false);
    expect(parseLslConfig("[tuning]\nForceDefaultTimestamps = 1\n", "b.cfg").forceDefaultTimestamps).toBe(true);
  });

  it("rejects an empty value", () => {
    const error = parseError("[log]\nlevel = 0\nfile = \n");
    expect(error.path).toBe("/labs/lsl_api.cfg");
    expect(error.line).toBe(3);
    expect(error.message).toContain("/labs/lsl_api.cfg");
    expect(error.message).toContain("line 3");
    expect(error.message).toContain("log.file");
    expect(error.message).toContain("empty value");
  });

  it("rejects a duplicate key", () => {
    const error = parseError("[lab]\nSessionID = a\n\nSessionID = b\n");
    expect(error.line).toBe(4);
    expect(error.message).toContain("lab.SessionID");
    expect(error.message).toContain("first on line 2");
  });

  it("accepts the same key in two sections", () => {
    const config = parseLslConfig("[a]\nx = 1\n[b]\nx = 1\n", "s.cfg");
    expect(config.entries).toEqual({ "a.x": "1", "b.x": "1" });
  });

  it("rejects a line without =", () => {
    const error = parseError("[ports]\nBasePort 16572\n");
    expect(error.line).toBe(2);
    expect(error.message).toContain('"BasePort 16572" is not a "key = value" line');
  });

  it("rejects an unclosed section", () => {
    const error = parseError("[ports\nBasePort = 16572\n");
    expect(error.line).toBe(1);
    expect(error.message).toContain('no closing "]"');
  });

  it("rejects an empty key", () => {
    expect(parseError("[ports]\n = 5\n").line).toBe(2);
  });

  it("rejects spaces inside section brackets", () => {
    const error = parseError("[ multicast ]\nResolveScope = machine\n");
    expect(error.line).toBe(1);
    expect(error.message).toContain('"[multicast]"');
  });

  it("rejects a byte-order mark with a hint", () => {
    const error = parseError("\uFEFF[ports]\nBasePort = 16572\n");
    expect(error.line).toBe(1);
    expect(error.message).toContain("byte-order mark");
  });

  it("rejects invalid values with the key and line", () => {
    const cases: [string, string][] = [
      ["[ports]\nBasePort = 16572x\n", "not a whole number"],
      ["[ports]\nMulticastPort = 70000\n", "above the maximum 65535"],
      ["[ports]\nPortRange = 0\n", "below the minimum 1"],
      ["[ports]\nIPv6 = maybe\n", "not one of allow, disable, force"],
      ["[multicast]\nResolveScope = planet\n", "not one of machine"],
      ["[multicast]\nTTLOverride = 300\n", "above the maximum 255"],
      ["[lab]\nKnownPeers = 127.0.0.1\n", "write it in braces, as {127.0.0.1}"],
      ["[tuning]\nSmoothingHalftime = 0\n", "not greater than 0"],
      ["[tuning]\nTimeProbeInterval = fast\n", "not a number of seconds"],
      ["[log]\nlevel = 12\n", "from -3 to 9"],
    ];
    for (const [text, problem] of cases) {
      const error = parseError(text);
      expect(error.line, text).toBe(2);
      expect(error.message, text).toContain(problem);
    }
  });

  it("rejects contradicting settings", () => {
    expect(parseError("[ports]\nBasePort = 65530\nPortRange = 32\n").message).toContain("above 65535");
    expect(parseError("[tuning]\nTimeUpdateMinProbes = 9\n").message).toContain("exceeds tuning.TimeProbeCount 8");
  });

  it("accepts liblsl's spelling variants of IPv6", () => {
    expect(parseLslConfig("[ports]\nIPv6 = disabled\n", "v.cfg").ipv6).toBe("disable");
    expect(parseLslConfig("[ports]\nIPv6 = forced\n", "v.cfg").ipv6).toBe("force");
    expect(parseLslConfig("[ports]\nIPv6 = allowed\n", "v.cfg").ipv6).toBe("allow");
  });

  it("reads sets", () => {
    const config = parseLslConfig("[lab]\nKnownPeers = { 10.0.0.2 ,10.0.0.3,, }\n[multicast]\nInterfaces = {}\n", "s.cfg");
    expect(config.knownPeers).toEqual(["10.0.0.2", "10.0.0.3"]);
    expect(config.interfaces).toEqual([]);
  });

  it("keeps unknown keys in entries", () => {
    const config = parseLslConfig("[tuning]\nMaxCachedQueries = 50\n[custom]\nanything = goes\n", "u.cfg");
    expect(config.entries).toEqual({ "tuning.MaxCachedQueries": "50", "custom.anything": "goes" });
  });
});

describe("applyLslConfigOverrides", () => {
  it("marks the source as options", () => {
    const config = applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, LOOPBACK_LSL_CONFIG);
    expect(config.source).toBe("options");
    expect(isLoopbackOnly(config)).toBe(true);
  });

  it("names the file it overrides", () => {
    const file = parseLslConfig("[lab]\nSessionID = x\n", "/labs/lsl_api.cfg");
    const config = applyLslConfigOverrides(file, { sessionId: "y" });
    expect(config.source).toBe("options over /labs/lsl_api.cfg");
    expect(config.sessionId).toBe("y");
  });

  it("keeps a lab file loopback-only under the preset", () => {
    const file = parseLslConfig("[multicast]\nAddressesOverride = {239.1.2.3}\nTTLOverride = 5\n", "lab.cfg");
    const config = applyLslConfigOverrides(file, LOOPBACK_LSL_CONFIG);
    expect(isLoopbackOnly(config)).toBe(true);
    expect(discoveryTargets(config).ttl).toBe(0);
  });

  it("rejects invalid option values", () => {
    expect(() => applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, { basePort: 0 })).toThrow(/basePort \(ports.BasePort\): 0 is below the minimum 1/);
    expect(() => applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, { resolveScope: "moon" as ResolveScope })).toThrow(LslConfigError);
    expect(() => applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, { knownPeers: [""] })).toThrow(/knownPeers/);
    expect(() => applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, { portRange: 1.5 })).toThrow(/not a whole number/);
  });

  it("rejects unknown option names", () => {
    const overrides = { multicastTtl: 3 } as unknown as Partial<LslConfig>;
    expect(() => applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, overrides)).toThrow(/"multicastTtl" is unknown/);
  });
});

describe("loadLslConfig", () => {
  let root: string;
  let cwd: string;
  let home: string;
  let systemPath: string;

  function write(path: string, text: string): string {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  function load(env: Record<string, string> = {}, overrides?: Partial<LslConfig>): LslConfig {
    return loadLslConfig({ env, cwd, home, systemPath, overrides });
  }

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "lsl-config-"));
    cwd = join(root, "work");
    home = join(root, "home");
    systemPath = join(root, "etc", "lsl_api", "lsl_api.cfg");
    mkdirSync(cwd, { recursive: true });
    mkdirSync(home, { recursive: true });
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it("lists the search paths in order", () => {
    expect(lslConfigSearchPaths({ cwd, home, systemPath })).toEqual([join(cwd, "lsl_api.cfg"), join(home, "lsl_api", "lsl_api.cfg"), systemPath]);
  });

  it("falls back to defaults without files", () => {
    const config = load();
    expect(config.source).toBe("defaults");
    expect(config).toEqual(LSL_CONFIG_DEFAULTS);
  });

  it("takes the first existing file", () => {
    write(systemPath, "[lab]\nSessionID = system\n");
    expect(load().sessionId).toBe("system");
    const homeFile = write(join(home, "lsl_api", "lsl_api.cfg"), "[lab]\nSessionID = home\n");
    expect(load().source).toBe(homeFile);
    expect(load().sessionId).toBe("home");
    const cwdFile = write(join(cwd, "lsl_api.cfg"), "[lab]\nSessionID = cwd\n");
    expect(load().source).toBe(cwdFile);
    expect(load().sessionId).toBe("cwd");
    const envFile = write(join(root, "env.cfg"), "[lab]\nSessionID = env\n");
    expect(load({ LSLAPICFG: envFile }).source).toBe(envFile);
    expect(load({ LSLAPICFG: envFile }).sessionId).toBe("env");
  });

  it("merges nothing between files", () => {
    write(systemPath, "[lab]\nSessionID = system\n");
    write(join(home, "lsl_api", "lsl_api.cfg"), "[ports]\nBasePort = 17000\n");
    const config = load();
    expect(config.basePort).toBe(17000);
    expect(config.sessionId).toBe("default");
  });

  it("resolves a relative LSLAPICFG against cwd", () => {
    write(join(cwd, "cfg", "loopback.cfg"), LOOPBACK_FILE);
    const config = load({ LSLAPICFG: "cfg/loopback.cfg" });
    expect(config.source).toBe(join(cwd, "cfg", "loopback.cfg"));
    expect(isLoopbackOnly(config)).toBe(true);
  });

  it("treats an empty LSLAPICFG as unset", () => {
    write(join(cwd, "lsl_api.cfg"), "[lab]\nSessionID = cwd\n");
    expect(load({ LSLAPICFG: "" }).sessionId).toBe("cwd");
  });

  it("throws for a missing LSLAPICFG file", () => {
    write(join(cwd, "lsl_api.cfg"), "[lab]\nSessionID = cwd\n");
    const missing = join(root, "missing.cfg");
    expect(() => load({ LSLAPICFG: missing })).toThrow(LslConfigError);
    expect(() => load({ LSLAPICFG: missing })).toThrow(`LSL config file ${missing}, named by LSLAPICFG, does not exist`);
  });

  it("throws for an invalid LSLAPICFG file", () => {
    const file = write(join(root, "bad.cfg"), "[log]\nfile = \n");
    expect(() => load({ LSLAPICFG: file })).toThrow(`invalid LSL config file ${file}, line 2`);
  });

  it("throws for an unreadable LSLAPICFG path", () => {
    const directory = join(root, "a-directory");
    mkdirSync(directory);
    expect(() => load({ LSLAPICFG: directory })).toThrow(/could not be read \(EISDIR\)/);
  });

  it("throws for an invalid file in a search path", () => {
    write(systemPath, LOOPBACK_FILE);
    const homeFile = write(join(home, "lsl_api", "lsl_api.cfg"), "[lab]\nKnownPeers = {127.0.0.1}\nKnownPeers = {10.0.0.1}\n");
    expect(() => load()).toThrow(`invalid LSL config file ${homeFile}, line 3`);
  });

  it("applies overrides over the loaded file", () => {
    const file = write(join(cwd, "lsl_api.cfg"), "[lab]\nSessionID = cwd\n[ports]\nBasePort = 17000\n");
    const config = load({}, { sessionId: "override" });
    expect(config.sessionId).toBe("override");
    expect(config.basePort).toBe(17000);
    expect(config.source).toBe(`options over ${file}`);
  });

  it("applies overrides over the defaults", () => {
    const config = load({}, LOOPBACK_LSL_CONFIG);
    expect(config.source).toBe("options");
    expect(isLoopbackOnly(config)).toBe(true);
  });
});

describe("discoveryTargets", () => {
  const withScope = (resolveScope: ResolveScope, extra: Partial<LslConfig> = {}): LslConfig =>
    applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, { resolveScope, ...extra });

  it("lists each scope's addresses and TTL", () => {
    const expected: Record<ResolveScope, [string[], number]> = {
      machine: [["127.0.0.1"], 0],
      link: [["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", `FF02:${IPV6_GROUP}`], 1],
      site: [["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", `FF02:${IPV6_GROUP}`, "239.255.172.215", `FF05:${IPV6_GROUP}`], 24],
      organization: [
        ["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", `FF02:${IPV6_GROUP}`, "239.255.172.215", `FF05:${IPV6_GROUP}`, `FF08:${IPV6_GROUP}`],
        32,
      ],
      global: [
        [
          "127.0.0.1",
          "255.255.255.255",
          "224.0.0.1",
          "224.0.0.183",
          `FF02:${IPV6_GROUP}`,
          "239.255.172.215",
          `FF05:${IPV6_GROUP}`,
          `FF08:${IPV6_GROUP}`,
          `FF0E:${IPV6_GROUP}`,
        ],
        255,
      ],
    };
    for (const [scope, [addresses, ttl]] of Object.entries(expected) as [ResolveScope, [string[], number]][]) {
      const config = withScope(scope);
      expect(discoveryAddresses(config), scope).toEqual(addresses);
      const plan = discoveryTargets(config);
      expect(plan.ttl, scope).toBe(ttl);
      expect(plan.targets.map((target) => target.address), scope).toEqual(addresses);
      expect(plan.targets.every((target) => target.port === 16571 && target.origin === "addresses"), scope).toBe(true);
    }
  });

  it("classifies target kinds and families", () => {
    const byAddress = new Map(discoveryTargets(withScope("site")).targets.map((target) => [target.address, target]));
    expect(byAddress.get("127.0.0.1")).toMatchObject({ kind: "unicast", family: "ipv4" });
    expect(byAddress.get("255.255.255.255")).toMatchObject({ kind: "broadcast", family: "ipv4" });
    expect(byAddress.get("224.0.0.183")).toMatchObject({ kind: "multicast", family: "ipv4" });
    expect(byAddress.get("239.255.172.215")).toMatchObject({ kind: "multicast", family: "ipv4" });
    expect(byAddress.get(`FF05:${IPV6_GROUP}`)).toMatchObject({ kind: "multicast", family: "ipv6" });
  });

  it("drops IPv6 addresses when IPv6 is disabled", () => {
    const targets = discoveryTargets(withScope("global", { ipv6: "disable" })).targets;
    expect(targets.map((target) => target.address)).toEqual(["127.0.0.1", "255.255.255.255", "224.0.0.1", "224.0.0.183", "239.255.172.215"]);
  });

  it("drops IPv4 addresses when IPv6 is forced", () => {
    const targets = discoveryTargets(withScope("link", { ipv6: "force" })).targets;
    expect(targets.map((target) => target.address)).toEqual([`FF02:${IPV6_GROUP}`]);
  });

  it("replaces the list with AddressesOverride and the TTL with TTLOverride", () => {
    const plan = discoveryTargets(withScope("site", { addressesOverride: ["239.1.2.3", "10.0.0.9"], ttlOverride: 3 }));
    expect(plan.ttl).toBe(3);
    expect(plan.targets).toEqual([
      { address: "239.1.2.3", port: 16571, kind: "multicast", family: "ipv4", origin: "addresses" },
      { address: "10.0.0.9", port: 16571, kind: "unicast", family: "ipv4", origin: "addresses" },
    ]);
  });

  it("queries known peers over the port range", () => {
    const config = withScope("machine", { knownPeers: ["127.0.0.1", "lab-pc"], basePort: 20000, portRange: 3 });
    const peers = discoveryTargets(config).targets.filter((target) => target.origin === "knownPeers");
    expect(peers.map((target) => `${target.address}:${target.port}`)).toEqual([
      "127.0.0.1:20000",
      "127.0.0.1:20001",
      "127.0.0.1:20002",
      "lab-pc:20000",
      "lab-pc:20001",
      "lab-pc:20002",
    ]);
    expect(peers.every((target) => target.kind === "unicast")).toBe(true);
    expect(peers[3]?.family).toBe("hostname");
  });

  it("lists the loopback preset's 33 targets", () => {
    const plan = discoveryTargets(applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, LOOPBACK_LSL_CONFIG));
    expect(plan.ttl).toBe(0);
    expect(plan.targets).toHaveLength(33);
    expect(plan.targets[0]).toEqual({ address: "127.0.0.1", port: 16571, kind: "unicast", family: "ipv4", origin: "addresses" });
    expect(plan.targets.at(-1)).toEqual({ address: "127.0.0.1", port: 16603, kind: "unicast", family: "ipv4", origin: "knownPeers" });
  });
});

describe("isLoopbackOnly", () => {
  const loopback = applyLslConfigOverrides(LSL_CONFIG_DEFAULTS, LOOPBACK_LSL_CONFIG);

  it("rejects each missing loopback setting", () => {
    const breaks: Partial<LslConfig>[] = [
      { ipv6: "allow" },
      { resolveScope: "link" },
      { listenAddress: "" },
      { interfaces: [] },
      { interfaces: ["127.0.0.1", "192.168.1.4"] },
      { knownPeers: ["10.0.0.2"] },
      { knownPeers: ["localhost"] },
      { addressesOverride: ["239.255.172.215"] },
    ];
    for (const change of breaks) {
      expect(isLoopbackOnly(applyLslConfigOverrides(loopback, change)), JSON.stringify(change)).toBe(false);
    }
  });

  it("accepts other loopback addresses", () => {
    expect(isLoopbackOnly(applyLslConfigOverrides(loopback, { knownPeers: ["127.0.0.2"] }))).toBe(true);
  });

  it("rejects the defaults", () => {
    expect(isLoopbackOnly(LSL_CONFIG_DEFAULTS)).toBe(false);
  });
});
