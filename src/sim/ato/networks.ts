/**
 * The networks the simulated population uses: access ISPs per country and the hosting providers
 * that VPNs and attackers rent. Names and address ranges come from the RouteViews/DB-IP ASN table
 * shipped in @ip-location-db/asn (CC BY 4.0); each range listed is one that DB-IP Lite City places
 * wholly in the country beside it. They are the fallback when no `addressesOf` lookup is given.
 */

export interface Network {
  asn: number;
  name: string;
  /** A hosting, cloud or VPN provider rather than an access network. */
  hosting: boolean;
  /** IPv4 ranges, first and last address, with the country DB-IP places them in. */
  ranges: ReadonlyArray<readonly [first: string, last: string, country: string]>;
}

type Row = readonly [name: string, ranges: Network['ranges']];

const access: Record<number, Row> = {
  1267: ['WIND TRE S.P.A.', [['151.11.54.0', '151.79.255.255', 'IT']]],
  2119: ['Telenor Norge AS', [['88.88.0.0', '88.95.255.255', 'NO']]],
  2856: ['British Telecommunications PLC', [['86.128.0.0', '86.191.255.255', 'GB']]],
  3209: ['Vodafone GmbH', [['88.64.0.0', '88.79.255.255', 'DE']]],
  3215: ['Orange S.A.', [['86.192.0.0', '86.223.255.255', 'FR']]],
  3216: ['PJSC "Vimpelcom"', [['2.95.0.0', '2.95.255.255', 'RU']]],
  3269: ['Telecom Italia S.p.A.', [['79.0.0.0', '79.63.255.255', 'IT']]],
  3320: ['Deutsche Telekom AG', [['79.192.0.0', '79.255.255.255', 'DE']]],
  3352: ['TELEFONICA DE ESPANA S.A.U.', [['83.32.0.0', '83.63.255.255', 'ES']]],
  4761: ['PT. INDOSAT Tbk', [['120.160.0.0', '120.191.255.255', 'ID']]],
  5089: ['Virgin Media Limited', [['86.0.0.0', '86.31.255.255', 'GB']]],
  5384: [
    'EMIRATES TELECOMMUNICATIONS GROUP COMPANY (ETISALAT GROUP) PJSC',
    [['2.48.0.0', '2.51.255.255', 'AE']],
  ],
  5410: ['Bouygues Telecom SA', [['176.162.234.0', '176.191.255.255', 'FR']]],
  5607: ['Sky UK Limited', [['90.192.0.0', '90.223.255.255', 'GB']]],
  6805: ['Telefonica Germany GmbH & Co.OHG', [['77.0.0.0', '77.15.255.255', 'DE']]],
  7018: ['AT&T Enterprises, LLC', [['99.22.226.0', '99.75.191.255', 'US']]],
  7303: ['Telecom Argentina S.A.', [['181.1.156.0', '181.10.139.255', 'AR']]],
  7470: ['TRUE INTERNET CORPORATION CO. LTD.', [['171.102.240.0', '171.103.255.255', 'TH']]],
  7552: ['Viettel Group', [['171.226.16.0', '171.242.5.255', 'VN']]],
  7713: ['Telekomunikasi Indonesia (PT)', [['36.66.23.0', '36.95.255.255', 'ID']]],
  7922: ['Comcast Cable Communications, LLC', [['73.0.0.0', '73.255.255.255', 'US']]],
  8151: ['Uninet S.A. de C.V.', [['189.171.32.0', '189.183.63.255', 'MX']]],
  8359: ['MTS PJSC', [['91.76.0.0', '91.79.255.255', 'RU']]],
  8452: ['TE-AS', [['156.192.0.0', '156.223.255.255', 'EG']]],
  9121: ['Turk Telekomunikasyon Anonim Sirketi', [['85.96.0.0', '85.111.255.255', 'TR']]],
  9299: ['Philippine Long Distance Telephone Co.', [['112.200.0.0', '112.211.255.255', 'PH']]],
  10620: ['Telmex Colombia S.A.', [['181.60.240.0', '181.61.119.255', 'CO']]],
  12322: ['Free SAS', [['82.224.0.0', '82.255.255.255', 'FR']]],
  12389: ['PJSC Rostelecom', [['178.64.0.0', '178.71.255.255', 'RU']]],
  12430: ['VODAFONE ESPANA S.A.U.', [['47.58.0.0', '47.63.255.255', 'ES']]],
  12479: ['Orange Espagne SA', [['85.48.0.0', '85.63.255.255', 'ES']]],
  15557: ['Societe Francaise Du Radiotelephone - SFR SA', [['93.0.0.0', '93.31.255.255', 'FR']]],
  15802: ['Emirates Integrated Telecommunications Company PJSC', [['94.200.0.0', '94.207.31.255', 'AE']]],
  15897: ['Vodafone Telekomunikasyon A.S.', [['46.154.0.0', '46.155.255.255', 'TR']]],
  16135: ['TURKCELL ILETISIM HIZMETLERI A.S.', [['178.241.252.0', '178.247.255.255', 'TR']]],
  16637: ['MTN SA', [['105.210.0.0', '105.223.255.255', 'ZA']]],
  17557: ['Pakistan Telecommuication company limited', [['39.34.192.0', '39.63.255.255', 'PK']]],
  21928: ['T-Mobile USA, Inc.', [['100.128.0.0', '100.255.255.255', 'US']]],
  22927: ['Telefonica de Argentina', [['181.20.0.0', '181.27.255.255', 'AR']]],
  23693: ['PT. Telekomunikasi Selular', [['39.192.0.0', '39.255.255.255', 'ID']]],
  24560: ['Bharti Airtel Limited', [['122.160.245.0', '122.165.199.255', 'IN']]],
  25019: ['Saudi Telecom Company JSC', [['37.104.0.0', '37.107.255.255', 'SA']]],
  26599: ['TELEFONICA BRASIL S.A', [['179.84.0.0', '179.94.255.255', 'BR']]],
  26615: ['TIM S/A', [['191.128.249.0', '191.143.255.255', 'BR']]],
  27831: ['Colombia Movil', [['191.88.0.0', '191.93.255.255', 'CO']]],
  28403: ['RadioMovil Dipsa, S.A. de C.V.', [['200.68.158.0', '200.68.189.255', 'MX']]],
  28573: ['Claro NXT Telecomunicacoes Ltda', [['191.176.0.0', '191.185.223.255', 'BR']]],
  29465: ['MTN NIGERIA Communication limited', [['102.88.0.0', '102.95.255.255', 'NG']]],
  29695: ['Lyse Tele AS', [['51.174.0.0', '51.175.255.255', 'NO']]],
  29975: ['Vodacom', [['41.3.0.0', '41.9.255.255', 'ZA']]],
  30722: ['Vodafone Italia S.p.A.', [['2.37.112.0', '2.47.255.255', 'IT']]],
  33771: ['Safaricom Limited', [['196.97.20.0', '196.111.255.255', 'KE']]],
  35819: ['Etihad Etisalat, a joint stock company', [['5.108.0.0', '5.111.255.255', 'SA']]],
  36873: ['Airtel Networks Limited', [['105.114.0.0', '105.120.255.255', 'NG']]],
  36926: ['Airtel Networks Kenya Limited', [['154.152.0.0', '154.159.255.255', 'KE']]],
  36935: ['Vodafone Data', [['196.140.0.0', '196.149.255.255', 'EG']]],
  37069: ['The Egyptian Company for Mobile Services (Mobinil)', [['45.96.0.0', '45.111.255.255', 'EG']]],
  37457: ['Telkom SA Ltd.', [['105.224.0.0', '105.229.255.255', 'ZA']]],
  38266: ['Vodafone Idea Ltd. (VIL)', [['42.105.254.0', '42.109.123.255', 'IN']]],
  45609: ['Bharti Airtel Limited', [['106.195.32.0', '106.198.255.255', 'IN']]],
  45758: ['Triple T Broadband Public Company Limited', [['171.4.0.0', '171.7.255.255', 'TH']]],
  45899: ['VNPT Corp', [['14.160.0.0', '14.191.255.255', 'VN']]],
  55836: ['Reliance Jio Infocomm Limited', [['157.32.0.0', '157.51.255.255', 'IN']]],
  132199: ['Globe Telecom Inc.', [['222.127.188.0', '222.127.255.255', 'PH']]],
  133481: ['ADVANCED WIRELESS NETWORK COMPANY LIMITED', [['27.130.0.0', '27.130.255.255', 'TH']]],
  206067: ['Hutchison 3G UK Limited', [['188.28.0.0', '188.31.255.255', 'GB']]],
};

const hosting: Record<number, Row> = {
  9009: [
    'M247 Europe SRL',
    [
      ['92.50.14.0', '92.50.63.255', 'US'],
      ['31.56.246.0', '31.56.255.255', 'GB'],
      ['5.157.192.0', '5.157.223.255', 'DE'],
      ['154.28.112.0', '154.28.127.255', 'FR'],
      ['135.136.51.0', '135.136.61.255', 'RO'],
    ],
  ],
  14061: [
    'DigitalOcean, LLC',
    [
      ['45.55.0.0', '45.55.255.255', 'US'],
      ['188.226.128.0', '188.226.255.255', 'NL'],
      ['64.226.64.0', '64.226.127.255', 'DE'],
      ['103.253.144.0', '103.253.147.255', 'SG'],
    ],
  ],
  16276: [
    'OVH SAS',
    [
      ['37.187.0.0', '37.187.255.255', 'FR'],
      ['45.94.49.0', '45.94.51.255', 'DE'],
      ['198.244.128.0', '198.244.255.255', 'GB'],
      ['15.204.0.0', '15.204.255.255', 'US'],
      ['51.222.0.0', '51.222.255.255', 'CA'],
    ],
  ],
  16509: [
    'Amazon.com, Inc.',
    [
      ['44.224.0.0', '44.255.255.255', 'US'],
      ['63.176.0.0', '63.191.255.255', 'DE'],
      ['16.86.0.0', '16.95.255.255', 'GB'],
      ['15.206.0.0', '15.207.255.255', 'IN'],
      ['177.71.128.0', '177.71.255.255', 'BR'],
    ],
  ],
  20473: [
    'The Constant Company, LLC',
    [
      ['44.33.0.0', '44.33.255.255', 'US'],
      ['80.240.16.0', '80.240.31.255', 'DE'],
      ['178.83.104.0', '178.83.107.255', 'GB'],
      ['64.119.64.0', '64.119.79.255', 'NL'],
      ['91.124.172.0', '91.124.174.255', 'MX'],
    ],
  ],
  24940: [
    'Hetzner Online GmbH',
    [
      ['49.12.0.0', '49.13.255.255', 'DE'],
      ['65.108.0.0', '65.109.255.255', 'FI'],
    ],
  ],
  60068: [
    'Datacamp Limited',
    [
      ['143.244.48.0', '143.244.51.255', 'US'],
      ['169.150.192.0', '169.150.195.255', 'CZ'],
      ['84.17.50.0', '84.17.51.255', 'GB'],
      ['138.199.36.0', '138.199.37.255', 'DE'],
    ],
  ],
};

/** Every network the simulation knows, by ASN. */
export const networks: ReadonlyMap<number, Network> = new Map(
  [
    ...Object.entries(access).map(([asn, [name, ranges]]) => ({
      asn: Number(asn),
      name,
      hosting: false,
      ranges,
    })),
    ...Object.entries(hosting).map(([asn, [name, ranges]]) => ({
      asn: Number(asn),
      name,
      hosting: true,
      ranges,
    })),
  ].map((network) => [network.asn, network]),
);

/** ASNs of hosting providers, the ones VPN exits and rented attack servers sit in. */
export const hostingAsns: readonly number[] = Object.keys(hosting).map(Number);
