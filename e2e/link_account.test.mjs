// End to end: scripts/develop, then a person in Chromium links the simulator's
// SandboxUser7 through Home Assistant's UI; the device and its glucose sensors
// must appear with plausible states, and stopping the stack must leave nothing.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { launchBrowser, logIn } from './lib/browser.mjs';
import { HassApi } from './lib/hass_api.mjs';
import {
  CONFIG_DIR,
  HA_URL,
  PORTS,
  REPO,
  SIMULATOR_URL,
  Stack,
  listening,
  projectMounts,
} from './lib/stack.mjs';

const USERNAME = 'dev';
const PASSWORD = 'dev';
const SANDBOX_USER = 'SandboxUser7';
const IMAGES = join(REPO, 'docs', 'images');
const SENSORS = {
  value: 'sensor.dexcom_glucose_value',
  trend: 'sensor.dexcom_glucose_trend',
  trendRate: 'sensor.dexcom_glucose_trend_rate',
  range: 'sensor.dexcom_glucose_range',
  readingTime: 'sensor.dexcom_reading_time',
  dataDelay: 'sensor.dexcom_data_delay',
};
const NO_STATE = ['unavailable', 'unknown'];
// The simulator's default data delay is an hour (plus jitter); Dexcom's is up to three.
const MAX_READING_AGE_MS = 4 * 3600_000;

const stack = new Stack();
const api = new HassApi(HA_URL);
let browser;
let page;
let mountsBefore;
let deviceId;

async function shoot(target, name) {
  await target.screenshot({ path: join(IMAGES, name) });
}

describe('linking a Dexcom simulator account through the UI', { timeout: 15 * 60_000 }, () => {
  before(async () => {
    for (const port of PORTS) {
      assert.equal(await listening(port), false, `port ${port} is busy: stop the other scripts/develop first`);
    }
    mountsBefore = projectMounts();
    mkdirSync(IMAGES, { recursive: true });
    try {
      await stack.start(10 * 60_000);
    } catch (err) {
      err.message += `\nHome Assistant log:\n${stack.haLogTail()}`;
      throw err;
    }
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(30_000);
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    // Only reached on an earlier failure: the last test stops the stack itself.
    await stack.stop(150_000).catch(() => {});
    console.log(`scripts/develop's output: ${stack.logPath}`);
  });

  test('the dev user logs in to the prepared Home Assistant', async () => {
    await logIn(page, HA_URL, USERNAME, PASSWORD);
    await api.login(USERNAME, PASSWORD);
    const config = await api.get('/api/config');
    assert.equal(config.state, 'RUNNING');
    assert.ok(config.components.includes('dexcom_oauth'), 'dexcom_oauth is set up from YAML');
    assert.deepEqual(await api.configEntries('dexcom_oauth'), [], 'no account linked before the test');
  });

  test('Add integration > Dexcom > custom server > SandboxUser7 creates the entry', async () => {
    await page.goto(`${HA_URL}/config/integrations/dashboard`);
    await page.getByRole('button', { name: 'Add integration' }).click();
    await page.getByPlaceholder('Search for a brand name').fill('Dexcom');
    await page.getByRole('button', { name: 'Dexcom (OAuth)' }).click();

    const custom = page.getByRole('radio', { name: 'Custom server (development)' });
    await custom.click();
    assert.equal(await custom.isChecked(), true);
    await shoot(page, 'config_flow_region.png');
    await page.getByRole('button', { name: 'Submit' }).click();

    await page.getByRole('textbox', { name: /Server URL/ }).fill(SIMULATOR_URL);
    // The single application credential is picked without asking; the
    // external step opens the simulator's login page in a new window.
    const popupOpened = page.context().waitForEvent('page', { timeout: 30_000 });
    await page.getByRole('button', { name: 'Submit' }).click();
    let popup;
    try {
      popup = await popupOpened;
    } catch {
      // A blocked popup leaves the dialog's link to open it by hand.
      [popup] = await Promise.all([
        page.context().waitForEvent('page'),
        page.getByRole('link', { name: 'Open website' }).click(),
      ]);
    }
    await popup.waitForLoadState();
    assert.ok(popup.url().startsWith(`${SIMULATOR_URL}/v2/oauth2/login?`), popup.url());
    const redirect = new URL(popup.url()).searchParams.get('redirect_uri');
    assert.equal(redirect, `${HA_URL}/auth/external/callback`);
    await popup.locator(`#user-${SANDBOX_USER}`).click();

    // Home Assistant's callback page closes the window; the flow asks whose
    // account it is, prefilled with "Dexcom" (entities sensor.dexcom_…).
    const name = page.getByRole('textbox', { name: /Name/ });
    await name.waitFor({ timeout: 60_000 });
    assert.equal(await name.inputValue(), 'Dexcom');
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('Linked successfully.').waitFor({ timeout: 60_000 });
    await shoot(page, 'config_flow_linked.png');
    await page.getByRole('button', { name: /finish/i }).click();

    const entries = await api.configEntries('dexcom_oauth');
    assert.equal(entries.length, 1, JSON.stringify(entries));
    assert.equal(entries[0].title, 'Dexcom');
    assert.equal(entries[0].state, 'loaded', JSON.stringify(entries[0]));
  });

  test('the Dexcom device has its glucose sensors with plausible states', async (t) => {
    const states = await api.waitForStates(Object.values(SENSORS), 60_000);
    for (const state of Object.values(states)) t.diagnostic(`${state.entity_id} = ${state.state}`);

    const value = states[SENSORS.value];
    const mgdl = Number(value.state);
    assert.ok(Number.isFinite(mgdl), `glucose value is a number: ${value.state}`);
    assert.ok(mgdl >= 40 && mgdl <= 400, `glucose value within 40..400 mg/dL: ${mgdl}`);
    assert.equal(value.attributes.unit_of_measurement, 'mg/dL');
    assert.equal(value.attributes.device_class, 'blood_glucose_concentration');

    const trend = states[SENSORS.trend];
    if (NO_STATE.includes(trend.state)) {
      t.diagnostic(`trend is ${trend.state}: the newest record carries no trend`);
    } else {
      assert.ok(trend.attributes.options.includes(trend.state), `trend is an enum state: ${trend.state}`);
    }
    const range = states[SENSORS.range];
    assert.ok(range.attributes.options.includes(range.state), `range is an enum state: ${range.state}`);

    const readAt = Date.parse(states[SENSORS.readingTime].state);
    assert.ok(Number.isFinite(readAt), `reading time is a timestamp: ${states[SENSORS.readingTime].state}`);
    const age = Date.now() - readAt;
    assert.ok(age > 0 && age < MAX_READING_AGE_MS, `reading time in the past, within hours: ${age} ms ago`);
    assert.equal(Date.parse(value.attributes.reading_time), readAt, 'the value belongs to that reading');
    assert.ok(Number(states[SENSORS.dataDelay].state) >= 0, 'data delay is a duration');

    deviceId = await api.template(`{{ device_id('${SENSORS.value}') }}`);
    assert.match(deviceId, /^[0-9a-f]{32}$/);
    assert.equal(await api.template(`{{ device_attr('${deviceId}', 'name') }}`), 'Dexcom');
    const onDevice = (await api.template(`{{ device_entities('${deviceId}') | join(',') }}`)).split(',');
    for (const entityId of Object.values(SENSORS)) assert.ok(onDevice.includes(entityId), `${entityId} on the device`);
  });

  test('the device page and a glucose dashboard show the readings', async (t) => {
    await page.goto(`${HA_URL}/config/devices/device/${deviceId}`);
    await page.getByText('Glucose value', { exact: true }).first().waitFor();
    await page.getByText('Dexcom', { exact: true }).first().waitFor();
    await page.waitForTimeout(1500); // icons and values settle
    await shoot(page, 'device_page.png');

    // The value sensor's recorded history starts at the link; the hourly
    // statistic the integration writes at the readings' own hours goes back a day.
    const ws = (message) => page.evaluate((m) => document.querySelector('home-assistant').hass.callWS(m), message);
    const statisticIds = (await ws({ type: 'recorder/list_statistic_ids', statistic_type: 'mean' }))
      .filter((s) => s.source === 'dexcom_oauth')
      .map((s) => s.statistic_id);
    const cards = [];
    if (statisticIds.length === 0) {
      t.diagnostic('the integration wrote no glucose statistic');
    } else {
      const hours = await ws({
        type: 'recorder/statistics_during_period',
        start_time: new Date(Date.now() - 24 * 3600_000).toISOString(),
        statistic_ids: statisticIds,
        period: 'hour',
        types: ['mean', 'min', 'max'],
      });
      const rows = hours[statisticIds[0]] ?? [];
      assert.ok(rows.length > 0, 'hourly glucose statistics for the last day');
      for (const row of rows) assert.ok(row.min >= 40 && row.max <= 400 && row.min <= row.mean && row.mean <= row.max, JSON.stringify(row));
      cards.push({
        type: 'statistics-graph',
        title: 'Glucose, hourly mean, min and max',
        entities: statisticIds.slice(0, 1),
        period: 'hour',
        days_to_show: 1,
        stat_types: ['mean', 'min', 'max'],
        chart_type: 'line',
        grid_options: { columns: 'full', rows: 6 },
      });
    }
    if (cards.length === 0) {
      cards.push({ type: 'history-graph', title: 'Glucose value', hours_to_show: 1, entities: [SENSORS.value], grid_options: { columns: 'full' } });
    }
    cards.push({ type: 'entities', title: 'Newest reading', entities: Object.values(SENSORS), grid_options: { columns: 'full' } });
    await ws({
      type: 'lovelace/dashboards/create',
      url_path: 'dexcom-glucose',
      title: 'Glucose',
      icon: 'mdi:water',
      mode: 'storage',
      show_in_sidebar: true,
      require_admin: false,
    });
    await ws({
      type: 'lovelace/config/save',
      url_path: 'dexcom-glucose',
      config: { title: 'Glucose', views: [{ title: 'Glucose', path: 'glucose', type: 'sections', max_columns: 1, sections: [{ type: 'grid', cards }] }] },
    });
    await page.goto(`${HA_URL}/dexcom-glucose/glucose`);
    await page.locator('ha-chart-base canvas').first().waitFor();
    await page.getByText('Newest reading').waitFor();
    await page.waitForTimeout(2500); // the charts animate in
    await shoot(page, 'glucose_history.png');
  });

  test('no errors from the integration in the Home Assistant log', () => {
    const log = readFileSync(join(CONFIG_DIR, 'home-assistant.log'), 'utf8');
    const ours = log.split('\n').filter((line) => /\b(ERROR|CRITICAL)\b/.test(line) && line.includes('dexcom_oauth'));
    assert.deepEqual(ours, []);
  });

  test('SIGTERM stops the stack cleanly: no process, port or mount left', async () => {
    const exit = await stack.stop(150_000);
    assert.equal(exit.signal, null, `scripts/develop ended by ${exit.signal}`);
    assert.equal(exit.code, 143, `scripts/develop's exit status after SIGTERM:\n${stack.log()}`);
    assert.match(stack.log(), /Stopped\./);
    assert.deepEqual(stack.leftovers(), [], 'processes of the stack still running');
    for (const port of PORTS) assert.equal(await listening(port), false, `port ${port} still open`);
    assert.deepEqual(projectMounts(), mountsBefore, 'mounts under the cache or the repository');
  });
});
