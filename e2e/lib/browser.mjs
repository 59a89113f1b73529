// Debian's Chromium driven by playwright-core: never a browser from a hub.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

/** Log in on Home Assistant's login page; resolves on the first dashboard. */
export async function logIn(page, baseUrl, username, password) {
  await page.goto(`${baseUrl}/`);
  await page.getByRole('textbox', { name: 'Username' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/auth/'), { timeout: 60_000 });
}

/**
 * Home Assistant's websocket API through the logged-in frontend's own
 * connection (Node 20 has no WebSocket client of its own): `ws(page)(message)`.
 */
export function hassWs(page) {
  return (message) => page.evaluate((m) => document.querySelector('home-assistant').hass.callWS(m), message);
}
