import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  contentSecurityPolicy,
  isAllowedNavigation,
  isAllowedPermission,
  isTrustedSender,
  signalingOrigins,
  windowOpenDecision,
} from '../../../main/security/policy';

describe('permission requests', () => {
  it('grants camera, microphone and screen capture to the app itself', () => {
    for (const permission of ['media', 'display-capture']) {
      expect(isAllowedPermission(`${APP_ORIGIN}/index.html`, permission)).toBe(true);
    }
  });

  it('denies every other permission to the app', () => {
    for (const permission of [
      'geolocation',
      'notifications',
      'midi',
      'clipboard-read',
      'openExternal',
      'hid',
      'usb',
    ]) {
      expect(isAllowedPermission(`${APP_ORIGIN}/index.html`, permission)).toBe(false);
    }
  });

  it('denies media to any other origin, including look-alikes', () => {
    for (const url of [
      'https://evil.example/',
      'app://studio.evil/',
      'app://evil/studio',
      'file:///etc/passwd',
      'http://127.0.0.1:8080/',
      'not a url',
      '',
    ]) {
      expect(isAllowedPermission(url, 'media')).toBe(false);
    }
  });
});

describe('navigation and new windows', () => {
  it('allows navigation inside the app only', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html#dashboard`)).toBe(true);
    expect(isAllowedNavigation('https://example.com/')).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)')).toBe(false);
    expect(isAllowedNavigation('file:///home/user/')).toBe(false);
  });

  it('denies window.open', () => {
    expect(windowOpenDecision()).toEqual({ action: 'deny' });
  });
});

describe('IPC sender validation', () => {
  it('trusts only the app top frame', () => {
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html`, parent: null })).toBe(true);
    expect(isTrustedSender({ url: `${APP_ORIGIN}/index.html`, parent: {} })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('content security policy', () => {
  const csp = contentSecurityPolicy({ connectOrigins: signalingOrigins('ws://127.0.0.1:4443/signal') });
  const directive = (name: string) => csp.split('; ').find((part) => part.startsWith(`${name} `));

  it('allows scripts from self plus WASM compilation, nothing remote, no eval', () => {
    expect(directive('script-src')).toBe("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/'unsafe-eval'/);
    expect(csp).not.toMatch(/https?:\/\//);
  });

  it('connects to self and the configured SFU only', () => {
    expect(directive('connect-src')).toBe("connect-src 'self' ws://127.0.0.1:4443");
    expect(directive('object-src')).toBe("object-src 'none'");
  });

  it('ignores an SFU url that does not parse', () => {
    expect(signalingOrigins('::nope')).toEqual([]);
    expect(signalingOrigins(null)).toEqual([]);
  });
});
