"""The page's style sheet: presentation sizes, a sidebar beside the plots, light theme.

Solara's layout (Vuetify 3) turns the sidebar into an overlay below 1280 px and draws
the app bar's menu button without its icon; these rules keep the sidebar beside the
plots at any width (it narrows instead) and draw the icon from the bundled
Material Design Icons font.
"""

from __future__ import annotations

SIDEBAR_PX = 340  # sidebar width; Vuetify reserves 400 px, the rules below use this instead

PAGE_CSS = f"""
.v-navigation-drawer {{ width: {SIDEBAR_PX}px !important; min-width: {SIDEBAR_PX}px !important; }}
.v-navigation-drawer__scrim {{ display: none !important; }}
.v-application:has(.v-navigation-drawer--active) .v-main {{
  padding-left: {SIDEBAR_PX}px !important;
}}
.v-application:has(.v-navigation-drawer--active) .v-app-bar {{
  left: {SIDEBAR_PX}px !important; width: calc(100% - {SIDEBAR_PX}px) !important;
}}
.v-application:not(:has(.v-navigation-drawer--active)) .v-main {{ padding-left: 0 !important; }}
.v-application:not(:has(.v-navigation-drawer--active)) .v-app-bar {{
  left: 0 !important; width: 100% !important;
}}
.v-app-bar-nav-icon .v-btn__content::before {{
  font-family: "Material Design Icons"; content: "\\F35C"; font-size: 26px;
}}
.v-app-bar .v-toolbar-title {{ flex: 0 1 auto; min-width: 0; font-size: 1.15rem; }}
.cspsim-run-buttons {{
  position: sticky; top: -12px; z-index: 6; background: #ffffff; padding: 4px 0 4px 0;
  border-bottom: 1px solid #e0e0e0; align-items: center;
}}
.cspsim-run-buttons .v-btn {{ min-width: 96px; font-size: 16px; }}
.v-main .solara-content-main {{ font-size: 16px; }}
.cspsim-grid {{
  display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
  align-items: start;
}}
.cspsim-wide {{ grid-column: 1 / -1; }}
.cspsim-map-note {{ font-size: 16px; padding: 8px 12px; color: #444; }}
.cspsim-headline {{ display: flex; flex-wrap: wrap; gap: 4px 22px; align-items: flex-end; }}
.cspsim-label {{ font-size: 14px; color: #555; }}
.cspsim-value {{ font-size: 22px; font-weight: 650; line-height: 1.2; }}
.cspsim-ref {{ font-size: 14px; color: #666; }}
.cspsim-events {{ font-size: 16px; padding: 4px 10px; background: #f4f4f4; border-radius: 4px; }}
.cspsim-lesson {{
  padding: 10px 14px; border-left: 5px solid #5b2bd6; background: #f5f2ff;
  font-size: 16px; line-height: 1.4; max-height: 360px; overflow-y: auto;
}}
.cspsim-lesson ul {{ margin: 6px 0 6px 0; padding-left: 20px; }}
.cspsim-sources {{ font-size: 14px; color: #555; margin-top: 4px; }}
.cspsim-monitors {{ padding: 8px 12px; font-size: 16px; }}
.cspsim-monitors table {{ border-collapse: collapse; width: 100%; }}
.cspsim-monitors td, .cspsim-monitors th {{ padding: 3px 8px; text-align: right; }}
.cspsim-monitors td:first-child {{ text-align: left; }}
.cspsim-monitors th {{ font-weight: 500; color: #555; }}
.cspsim-card-title {{ font-size: 18px; font-weight: 700; margin-bottom: 6px; }}
.cspsim-lesson-menu {{ height: auto !important; min-height: 40px; white-space: normal; }}
.cspsim-lesson-menu .v-btn__content {{ white-space: normal; text-align: left; }}
"""
