// What the viewer page reports about the media it receives (its `window.shopcastViewer` hook).
import type { Page } from '@playwright/test';

export interface ViewerReceiveStats {
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  audioPacketsReceived: number;
}

export const viewerReceiveStats = (viewer: Page): Promise<ViewerReceiveStats> =>
  viewer.evaluate(() =>
    (
      window as unknown as { shopcastViewer: { receiveStats(): Promise<ViewerReceiveStats> } }
    ).shopcastViewer.receiveStats(),
  );

export const framesDecoded = async (viewer: Page): Promise<number> =>
  (await viewerReceiveStats(viewer)).framesDecoded;
