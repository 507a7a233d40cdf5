// Renders GraphiQL against the URL of this page (the hub's /graphql), with the editors
// filled from ?query= and ?variables= when the link carries them. A file of its own, not
// an inline script, so the page's Content-Security-Policy can say script-src 'self'.
"use strict";

const DEFAULT_QUERY = `# Concilia Hub: le offerte di welfare dell'alleanza Milano Concilia 4.0 (quartiere Isola).
#
# Esegui con ▶ o Ctrl-Invio; lo schema è in "Docs" (in alto a sinistra).
# Con una chiave API: in "Headers", qui sotto, {"Authorization": "Bearer <chiave>"}.
# In inglese: title(lang: EN), o l'intestazione {"Accept-Language": "en"}.

{
  offerings(first: 5, filter: {inDistrict: true}) {
    totalCount
    edges {
      node {
        title
        area
        isFree
        provider { name allianceMember }
        locations { address cap }
      }
    }
  }
  areas { label offeringCount }
}
`;

const params = new URLSearchParams(window.location.search);
const root = ReactDOM.createRoot(document.getElementById("graphiql"));
root.render(
  React.createElement(GraphiQL, {
    fetcher: GraphiQL.createFetcher({ url: window.location.pathname }),
    defaultQuery: DEFAULT_QUERY,
    // GraphiQL falls back to the query it last stored when these are undefined.
    query: params.get("query") ?? undefined,
    variables: params.get("variables") ?? undefined,
    isHeadersEditorEnabled: true,
    // An API key pasted in the headers stays in this tab, not in localStorage.
    shouldPersistHeaders: false,
    defaultEditorToolsVisibility: params.has("variables") ? "variables" : "headers",
  }),
);
