import type { MockedResponse } from "@apollo/client/testing";
import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { act } from "react";
import { createCache } from "../../app/apollo";
import {
  SyncStatusDocument,
  SyncedClientsDocument,
  SyncedInvoicesDocument,
  SyncedJobsDocument,
  type SyncedClientsQuery,
  type SyncedInvoicesQuery,
  type SyncedJobsQuery,
} from "../../gql/graphql";
import { syncStatus } from "../../test/fixtures";
import { renderApp } from "../../test/render";
import { DataTabs } from "./DataTabs";

const pageInfo = (endCursor: string | null = null) => ({
  __typename: "PageInfo" as const,
  hasNextPage: endCursor !== null,
  endCursor,
});

type Client = SyncedClientsQuery["clients"]["nodes"][number];
const client = (name: string): Client => ({
  __typename: "Client",
  id: `c-${name}`,
  name,
  emails: [`${name.toLowerCase()}@example.com`],
  phones: ["(555) 010-2020"],
  billingAddress: { __typename: "Address", street: "1 Main St", city: "Calgary" },
  balance: 1234.5,
});

function clientsMock(search: string | null, names: string[], after: string | null = null, endCursor: string | null = null): MockedResponse {
  return {
    request: { query: SyncedClientsDocument, variables: { first: 20, after, search } },
    result: {
      data: {
        clients: { __typename: "ClientConnection", totalCount: names.length + (endCursor ? 20 : 0), pageInfo: pageInfo(endCursor), nodes: names.map(client) },
      } satisfies SyncedClientsQuery,
    },
    maxUsageCount: Number.POSITIVE_INFINITY,
  };
}

function jobsMock(search: string | null): MockedResponse {
  const data: SyncedJobsQuery = {
    jobs: {
      __typename: "JobConnection",
      totalCount: 1,
      pageInfo: pageInfo(),
      nodes: [
        {
          __typename: "Job",
          id: "j-1",
          jobNumber: 12,
          title: "Spring cleanup",
          status: "action_required",
          clientName: "Barbara Fisher",
          total: 80,
          startAt: null,
        },
      ],
    },
  };
  return {
    request: { query: SyncedJobsDocument, variables: { first: 20, after: null, search } },
    result: { data },
    maxUsageCount: Number.POSITIVE_INFINITY,
  };
}

function invoicesMock(): MockedResponse {
  const data: SyncedInvoicesQuery = {
    invoices: {
      __typename: "InvoiceConnection",
      totalCount: 1,
      pageInfo: pageInfo(),
      nodes: [
        {
          __typename: "Invoice",
          id: "i-1",
          invoiceNumber: 7,
          subject: "For services rendered",
          status: "past_due",
          clientName: "Barbara Fisher",
          total: 1500,
          balance: 250.5,
          dueDate: "2026-12-15",
        },
      ],
    },
  };
  return {
    request: { query: SyncedInvoicesDocument, variables: { first: 20, after: null, search: null } },
    result: { data },
    maxUsageCount: Number.POSITIVE_INFINITY,
  };
}

const currentSearch = () => new URLSearchParams(screen.getByTestId("current-path").dataset["search"]);

describe("Data tabs", () => {
  it("reload an empty list when the first sync status says data was stored since it was read", async () => {
    // The list is read while the first sync runs (nothing stored yet); the sync's status reaches
    // the page only after the sync stored its clients.
    const empty: MockedResponse = {
      request: { query: SyncedClientsDocument, variables: { first: 20, after: null, search: null } },
      result: {
        data: {
          clients: { __typename: "ClientConnection", totalCount: 0, pageInfo: pageInfo(), nodes: [] },
        } satisfies SyncedClientsQuery,
      },
    };
    const cache = createCache();
    renderApp({ ui: <DataTabs />, mocks: [empty, clientsMock(null, ["Barbara"])], cache });
    expect(await screen.findAllByText("No clients synced yet")).not.toHaveLength(0);
    const done = syncStatus({ fetched: 1, total: 1, count: 1 });
    act(() => cache.writeQuery({ query: SyncStatusDocument, data: { syncStatus: [done] } }));
    expect(await screen.findAllByText("Barbara")).not.toHaveLength(0);
  });

  it("are tabs: roles, selection and the panel each controls", async () => {
    renderApp({ route: "/manage", mocks: [clientsMock(null, ["Ann"])], ui: <DataTabs /> });
    const tabs = within(screen.getByRole("tablist", { name: "Your Jobber data" })).getAllByRole("tab");
    expect(tabs.map((t) => t.textContent)).toEqual(["Clients", "Properties", "Jobs", "Quotes", "Invoices"]);
    expect(tabs[0]).toHaveAttribute("aria-selected", "true");
    expect(tabs[2]).toHaveAttribute("aria-selected", "false");
    const panel = document.getElementById(tabs[0]!.getAttribute("aria-controls")!);
    expect(panel).toHaveAttribute("role", "tabpanel");
    expect(panel).toHaveAttribute("aria-labelledby", tabs[0]!.id);
    expect(await within(panel!).findByText("Ann")).toBeVisible();
    // One Tab stop for the whole row (arrow keys move within it).
    expect(tabs.filter((t) => t.tabIndex === 0)).toHaveLength(1);
  });

  it("move with the arrow keys, Home and End, selecting as they go", async () => {
    const user = userEvent.setup();
    renderApp({ route: "/manage", mocks: [clientsMock(null, ["Ann"]), jobsMock(null), invoicesMock()], ui: <DataTabs /> });
    await screen.findByText("Ann");
    await user.click(screen.getByRole("tab", { name: "Clients" }));
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Invoices" })).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tab", { name: "Invoices" })).toHaveFocus();
    await user.keyboard("{Home}");
    expect(screen.getByRole("tab", { name: "Clients" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{ArrowRight}{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Jobs" })).toHaveAttribute("aria-selected", "true");
    expect(currentSearch().get("tab")).toBe("jobs");
  });

  it("keep each tab's own search, in the URL", async () => {
    const user = userEvent.setup();
    renderApp({
      route: "/manage",
      mocks: [clientsMock(null, ["Ann", "Barbara"]), clientsMock("Barbara", ["Barbara"]), jobsMock(null)],
      ui: <DataTabs />,
    });
    await screen.findByText("Ann");
    await user.type(screen.getByLabelText("Search clients"), "Barbara");
    expect(await screen.findByText("1–1 of 1 clients")).toBeVisible();
    expect(currentSearch().get("clients.q")).toBe("Barbara");

    await user.click(screen.getByRole("tab", { name: "Jobs" }));
    expect(await screen.findByText("#12 · Spring cleanup")).toBeVisible();
    expect(screen.getByLabelText("Search jobs")).toHaveValue("");
    expect(screen.queryByText(/No jobs match/)).not.toBeInTheDocument();
    expect(currentSearch().get("tab")).toBe("jobs");

    await user.click(screen.getByRole("tab", { name: "Clients" }));
    expect(screen.getByLabelText("Search clients")).toHaveValue("Barbara");
    expect(await screen.findByText("1–1 of 1 clients")).toBeVisible();
  });

  it("restore tab, search and page from the URL (reload, Back)", async () => {
    renderApp({
      route: "/manage?tab=clients&clients.q=Ann&clients.after=c1",
      mocks: [clientsMock("Ann", ["Ann"], "c1")],
      ui: <DataTabs />,
    });
    expect(await screen.findByText("21–21 of 1 clients")).toBeVisible();
    expect(screen.getByLabelText("Search clients")).toHaveValue("Ann");
    expect(screen.getByRole("button", { name: "Previous" })).toBeEnabled();
  });

  it("page with Next and Previous, recording the page in the URL", async () => {
    const user = userEvent.setup();
    renderApp({
      route: "/manage",
      mocks: [clientsMock(null, ["Ann"], null, "c1"), clientsMock(null, ["Zed"], "c1")],
      ui: <DataTabs />,
    });
    await screen.findByText("Ann");
    await user.click(screen.getByRole("button", { name: "Next" }));
    expect(await screen.findByText("Zed")).toBeVisible();
    expect(currentSearch().get("clients.after")).toBe("c1");
    await user.click(screen.getByRole("button", { name: "Previous" }));
    expect(await screen.findByText("Ann")).toBeVisible();
    expect(currentSearch().get("clients.after")).toBeNull();
  });

  it("show statuses, money and calendar dates in plain words", async () => {
    renderApp({ route: "/manage?tab=invoices", mocks: [invoicesMock()], ui: <DataTabs /> });
    expect(await screen.findByText("#7 · For services rendered")).toBeVisible();
    expect(screen.getByText("Past due")).toBeVisible();
    expect(screen.queryByText("past_due")).not.toBeInTheDocument();
    expect(screen.getByText(new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 }).format(1500))).toBeVisible();
    expect(screen.queryByText(/\$/)).not.toBeInTheDocument();
    expect(screen.getByText(/Dec 15, 2026|15 Dec 2026/)).toBeVisible();
    expect(screen.queryByText(/12:00/)).not.toBeInTheDocument();
  });
});
