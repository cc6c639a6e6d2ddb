import type { Page } from "@playwright/test";

/** How many times a sentence is shown on the page (the rendered text a person reads, not the markup). */
export async function timesOnPage(page: Page, sentence: string): Promise<number> {
  const text = await page.locator("body").innerText();
  return text.split(sentence).length - 1;
}
