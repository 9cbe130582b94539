/**
 * The chart's Prometheus rules (charts/podpool/files/rules.yaml) through the real promtool:
 * `check rules`, `test rules` with test/rules/podpool.rules.test.yaml, and the checks promtool
 * does not make: every alert is tested firing, and has a summary, a description and a runbook
 * section in the README.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { promtool } from '../../dev/cluster/prometheus.js';

const RULES = 'charts/podpool/files/rules.yaml';
const RULE_TESTS = 'test/rules/podpool.rules.test.yaml';

interface Rule {
  alert?: string;
  record?: string;
  annotations?: Record<string, string>;
}
interface RuleTests {
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const groups = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups;
const alerts = groups.flatMap((group) => group.rules).filter((rule): rule is Rule & { alert: string } => rule.alert !== undefined);

describe('the Prometheus rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', RULES]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    const result = promtool(['test', 'rules', RULE_TESTS]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it('has a unit test in which each alert fires', () => {
    const tests = (parse(readFileSync(RULE_TESTS, 'utf8')) as RuleTests).tests.flatMap((test) => test.alert_rule_test ?? []);
    const firing = new Set(tests.filter((test) => test.exp_alerts.length > 0).map((test) => test.alertname));
    expect(alerts.map((alert) => alert.alert).filter((name) => !firing.has(name))).toEqual([]);
  });

  it('gives every alert a summary, a description and a runbook section in the README', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(alerts.length).toBeGreaterThanOrEqual(9);
    for (const { alert, annotations } of alerts) {
      expect(annotations?.summary, alert).toMatch(/\S/);
      expect(annotations?.description, alert).toMatch(/\S/);
      // GitHub's anchor of a heading that is one word is the word in lower case.
      expect(annotations?.runbook_url, alert).toBe(`README.md#${alert.toLowerCase()}`);
      expect(readme, `README section for ${alert}`).toMatch(new RegExp(`^#### ${alert}$`, 'm'));
    }
  });
});
