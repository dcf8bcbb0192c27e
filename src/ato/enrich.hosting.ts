/**
 * Hosting-likeness of a network. No free dataset flags hosting, cloud and VPN networks, so this is
 * a documented heuristic (docs/ato-enrichment.md): a list of the ASNs of well-known providers,
 * plus words in the organisation name that access networks do not use. The numbers are public
 * facts (each network's registration with its regional internet registry, as the providers
 * publish them); the organisation that each one names in the shipped @ip-location-db/asn table
 * (June 2026 data, DB-IP names) was checked to be the provider in the comment.
 */

/** Cloud platforms and their content networks. */
const cloudAsns = [
  16509,
  14618,
  8987,
  7224, // Amazon (AWS)
  15169,
  396982,
  19527, // Google and Google Cloud
  8075,
  8068, // Microsoft (Azure)
  31898, // Oracle Cloud
  36351, // IBM Cloud (SoftLayer)
  45102,
  37963, // Alibaba Cloud
  132203,
  45090, // Tencent Cloud
  136907,
  55990, // Huawei Cloud
  13335,
  209242, // Cloudflare, including WARP and iCloud Private Relay egress
  54113, // Fastly
  20940,
  16625,
  36183,
  63949, // Akamai and Linode
  19551, // Imperva Incapsula
];

/** Virtual and dedicated server hosts. */
const hostingAsns = [
  14061, // DigitalOcean
  20473, // Vultr (The Constant Company)
  24940,
  213230, // Hetzner
  16276, // OVH (not AS35540, which also carries OVH's consumer lines)
  12876, // Scaleway
  51167, // Contabo
  60781,
  16265,
  28753,
  30633,
  59253,
  7203, // Leaseweb
  47583, // Hostinger
  26496,
  398101, // GoDaddy
  8560, // IONOS
  6724, // Strato
  7979, // Servers.com
  202053, // UpCloud
  29802, // Hivelocity
  36352,
  54290, // HostPapa (formerly ColoCrossing space)
  40676, // Psychz
  21859, // Zenlayer
  199524, // G-Core Labs
  49505, // Selectel
  9123, // Timeweb
  210644, // Aeza
  53667, // FranTech (BuyVM)
  62240, // Clouvider
  19318, // Interserver
  46606, // Unified Layer (Bluehost)
  22612, // Namecheap
  55293, // A2 Hosting
  25820, // IT7 Networks
  18779, // EGIHosting
  46844, // Sharktech
  9370, // Sakura Internet
  42708, // GleSYS
];

/** VPN and proxy exits: providers whose address space is mostly VPN servers. */
const vpnAsns = [
  9009, // M247 (exits of many commercial VPNs)
  60068,
  212238, // Datacamp / CDN77 (likewise)
  39351, // 31173 Services (Mullvad's network)
  62371, // Proton
];

const builtInHosting = new Set<number>([...cloudAsns, ...hostingAsns, ...vpnAsns]);

/**
 * Networks the keywords below would wrongly flag, found by running them over the whole table:
 * access networks and firms whose names happen to contain a hosting word.
 */
const builtInNotHosting = new Set<number>([
  41012, // The Cloud Networks: public Wi-Fi hotspots
  135756, // VPS Broadband and Telecommunications: an Indian access ISP
  135952, // VPS Securities: a Vietnamese brokerage
]);

/**
 * Whole words of organisation names that mean servers rather than subscribers. Run over the
 * table, they flag about 1,400 of 84,000 networks and none of the 300 largest access networks;
 * "colo" alone, "telecom" and "internet" are left out because access ISPs use them.
 */
const hostingWords =
  /\b(?:hosting|host|cloud|data ?cent(?:er|re)s?|datacent(?:er|re)s?|servers?|vps|colocation|dedicated|vpn|proxy)\b/i;

export interface HostingOptions {
  /** ASNs to treat as hosting in addition to the built-in list. */
  extraHostingAsns?: readonly number[];
  /** ASNs never treated as hosting (wins over the lists and the keywords). */
  notHostingAsns?: readonly number[];
}

/** Decides whether a network looks like a hosting, cloud or VPN provider. */
export type HostingClassifier = (asn: number | undefined, organization: string | undefined) => boolean;

/** Builds the classifier from the built-in lists and the configured additions and exceptions. */
export function createHostingClassifier(options: HostingOptions = {}): HostingClassifier {
  const hosting = new Set([...builtInHosting, ...(options.extraHostingAsns ?? [])]);
  const notHosting = new Set([...builtInNotHosting, ...(options.notHostingAsns ?? [])]);
  return (asn, organization) => {
    if (asn !== undefined) {
      if (notHosting.has(asn)) return false;
      if (hosting.has(asn)) return true;
    }
    return organization !== undefined && hostingWords.test(organization);
  };
}
