import { createTabDriver } from './tab-driver.js';

// Entry of tab.html: the driver, where tab-commands.ts's `page.evaluate` finds it.
(globalThis as { qsTab?: unknown }).qsTab = createTabDriver();
