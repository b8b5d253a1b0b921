"""The page the browser loads: Flet's own `index.html` with three changes, written to a
folder served as the app's assets (Flet serves an `index.html` found there instead of its
own; nothing in site-packages is edited).

- Zoom is allowed. Flutter's engine adds `<meta name="viewport" ... user-scalable=no,
  maximum-scale=1.0>` when it starts (WCAG 1.4.4 asks that people can zoom); a small
  script puts a zoomable viewport back each time the engine sets one.
- A drawn first frame: the loader and the page behind the app look like the app (NHS
  blue bar, grey page, "Peer visit") rather than a white page while the first screen is on
  its way.
- Dialogs are named: Flutter's web engine links a dialog to its label only by
  aria-describedby, so a small script adds aria-labelledby to the same node.
- The title and language name the app.

Made from the installed flet-web at each start, so it follows Flet upgrades.
"""

from __future__ import annotations

import re
from pathlib import Path

from visitapp.ui import theme

ZOOMABLE_VIEWPORT = "width=device-width, initial-scale=1.0"

_VIEWPORT_GUARD = f"""
  <meta name="viewport" content="{ZOOMABLE_VIEWPORT}">
  <script>
    // Keep the page zoomable (WCAG 1.4.4): Flutter's engine replaces the viewport meta
    // with one that forbids zoom when it starts; put a zoomable one back.
    (function () {{
      const ZOOMABLE = "{ZOOMABLE_VIEWPORT}";
      function fix() {{
        document.querySelectorAll('meta[name="viewport"]').forEach(function (m) {{
          if (m.getAttribute("content") !== ZOOMABLE) m.setAttribute("content", ZOOMABLE);
        }});
      }}
      // Name each dialog (WCAG 4.1.2): Flutter's web engine gives a dialog's semantics node
      // its role but points at the dialog's label only by aria-describedby (or not at all),
      // so a screen reader announces an unnamed dialog. Label it by that same node.
      function nameDialogs() {{
        document.querySelectorAll('[role=dialog], [role=alertdialog]').forEach(function (d) {{
          if (d.getAttribute("aria-label") || d.getAttribute("aria-labelledby")) return;
          var by = d.getAttribute("aria-describedby");
          var named = by ? document.getElementById(by) : d.querySelector("[aria-label]");
          if (named && named.id) d.setAttribute("aria-labelledby", named.id);
        }});
      }}
      new MutationObserver(function () {{ fix(); nameDialogs(); }}).observe(
        document.documentElement, {{subtree: true, childList: true, attributes: true,
                                    attributeFilter: ["content", "role", "aria-describedby"]}});
      fix();
    }})();
  </script>
"""

_FIRST_FRAME_STYLE = f"""
  <style>
    /* Behind the app until its first frame: the app's own bar and page colours. */
    html, body {{ margin: 0; background: {theme.NHS_GREY_BG}; }}
    body {{ background: linear-gradient({theme.NHS_BLUE} 0 64px, {theme.NHS_GREY_BG} 64px); }}
    #loading {{ background: transparent !important; align-items: flex-start !important;
               justify-content: flex-start !important; font-family: Roboto, Arial, sans-serif; }}
    #loading .bar {{ height: 64px; width: 100%; display: flex; align-items: center;
                    color: #ffffff; font-size: 20px; font-weight: bold; padding: 0 24px;
                    box-sizing: border-box; }}
    #loading .words {{ position: fixed; top: 96px; left: 24px; color: {theme.NHS_TEXT};
                      font-size: 18px; }}
  </style>
"""

_LOADER = """  <div id="loading" role="status" aria-label="Loading the peer visit app">
    <div class="bar">Peer visit</div>
    <div class="words">Opening the visits on this tablet…</div>
  </div>
"""


def patched_index(flet_index: str) -> str:
    """Flet's index.html, zoomable, with a drawn first frame."""
    html = flet_index
    html = re.sub(r'<meta name="viewport"[^>]*>\s*', "", html)
    html = html.replace("<head>", "<head>" + _VIEWPORT_GUARD, 1)
    html = html.replace("</head>", _FIRST_FRAME_STYLE + "</head>", 1)
    html = re.sub(r"<html>", '<html lang="en-GB">', html, count=1)
    html = re.sub(r"<title>.*?</title>", "<title>Peer visit</title>", html, count=1, flags=re.S)
    # The loader: Flet's spinner picture on white becomes the drawn frame above.
    html, n = re.subn(r'<div id="loading".*?</div>\s*', _LOADER, html, count=1, flags=re.S)
    if n != 1:
        raise RuntimeError("flet-web's index.html has no #loading element to replace")
    return html


def flet_index_path() -> Path:
    import flet_web

    return Path(flet_web.__file__).parent / "web" / "index.html"


def write_web_assets(folder: Path) -> Path:
    """Write the patched index.html into `folder` (served as Flet's assets_dir)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(
        patched_index(flet_index_path().read_text(encoding="utf-8")), encoding="utf-8")
    return folder
