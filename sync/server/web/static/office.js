// JavaScript only improves the pages: everything works without it.
import { initAll } from "/static/nhsuk/nhsuk-frontend.min.js";

initAll();
