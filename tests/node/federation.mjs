// The hub in a supergraph, as the city would compose it (Apollo Federation v2).
//
//   node federation.mjs HUB_GRAPHQL_URL
//
// Starts a small "portal" subgraph of its own on 127.0.0.1, which extends the hub's
// Offering (by `id`) with `portalHighlight` and refers to hub objects from its own root
// fields (offerings by `id`, providers by `vatNumber`); fetches the hub's SDL from
// `_service { sdl }`; composes both (exit 1 on composition errors); runs an Apollo gateway
// on the supergraph in process and queries across both subgraphs, both ways. Prints a JSON
// summary: the answers, and how many requests each subgraph received.

import { composeServices } from "@apollo/composition";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import gql from "graphql-tag";

const [hubUrl] = process.argv.slice(2);
if (!hubUrl) {
  console.error("usage: node federation.mjs HUB_GRAPHQL_URL");
  process.exit(2);
}

const requests = { hub: 0, portal: 0 };

async function post(url, query, variables) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const result = await response.json();
  if (result.errors) {
    throw new Error(`${url}: ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

// What the portal knows of the hub: a few offerings and one provider, by their keys.
const catalogue = await post(
  hubUrl,
  `{ offerings(first: 3) { nodes { id } }
     providers(first: 20) { nodes { vatNumber } } }`,
);
const featured = catalogue.offerings.nodes.map((offering) => offering.id);
const partner = catalogue.providers.nodes.find((provider) => provider.vatNumber).vatNumber;

const portalTypeDefs = gql`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])

  type Offering @key(fields: "id") {
    id: ID!
    "The portal's editorial line about the offering."
    portalHighlight: String
  }

  type Provider @key(fields: "vatNumber", resolvable: false) {
    vatNumber: String
  }

  type Query {
    "Offerings the portal features on its home page."
    featuredOfferings: [Offering!]!
    "The organisation the portal shows as this month's partner."
    partnerOfTheMonth: Provider
  }
`;

const highlight = (id) => `In evidenza sul portale: ${id}`;

const portalResolvers = {
  Query: {
    featuredOfferings: () => featured.map((id) => ({ id })),
    partnerOfTheMonth: () => ({ vatNumber: partner }),
  },
  Offering: {
    __resolveReference: (reference) => ({ id: reference.id }),
    portalHighlight: (offering) => highlight(offering.id),
  },
};

const portal = new ApolloServer({
  schema: buildSubgraphSchema({ typeDefs: portalTypeDefs, resolvers: portalResolvers }),
  // stdout is the summary's: no trace notice, no landing page.
  plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginLandingPageDisabled()],
});
const { url: portalUrl } = await startStandaloneServer(portal, {
  listen: { host: "127.0.0.1", port: 0 },
});

const hubSdl = (await post(hubUrl, "{ _service { sdl } }"))._service.sdl;
const composition = composeServices([
  { name: "hub", url: hubUrl, typeDefs: parse(hubSdl) },
  { name: "portal", url: portalUrl, typeDefs: portalTypeDefs },
]);
if (composition.errors) {
  console.error(composition.errors.map((error) => error.message).join("\n"));
  await portal.stop();
  process.exit(1);
}

// Node's own fetch: it goes to 127.0.0.1 whatever proxy the environment names.
class CountedDataSource extends RemoteGraphQLDataSource {
  willSendRequest() {
    requests[this.name] += 1;
  }
}
const gateway = new ApolloGateway({
  supergraphSdl: composition.supergraphSdl,
  buildService: ({ name, url }) =>
    Object.assign(new CountedDataSource({ url, fetcher: fetch }), { name }),
});
const server = new ApolloServer({ gateway });
await server.start();

async function query(text) {
  const response = await server.executeOperation({ query: text });
  return response.body.singleResult;
}

const summary = {
  composed: true,
  subgraphs: ["hub", "portal"],
  featured,
  partner,
  // A hub root field, with a field of the portal: the portal's _entities, by id.
  hubToPortal: await query(`{
    offerings(first: 3) { nodes { id title portalHighlight } }
  }`),
  // The portal's root field, with fields of the hub: the hub's _entities, by id.
  portalToHub: await query(`{
    featuredOfferings { id title provider { name vatNumber } portalHighlight }
  }`),
  // By partita IVA into the hub, and back to the portal for the provider's offerings.
  byVatNumber: await query(`{
    partnerOfTheMonth { vatNumber name offerings(first: 2) { nodes { id portalHighlight } } }
  }`),
};
summary.requests = requests;

await server.stop();
await portal.stop();
console.log(JSON.stringify(summary));
