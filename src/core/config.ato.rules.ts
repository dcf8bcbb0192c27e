import { z } from 'zod';
import { bool, decimal, duration, durationItem, int } from './config.fields.js';

const day = 24 * 60 * 60 * 1000;

/** Exponential backoff: `free` attempts, then waits of base, 2·base, 4·base … up to max. */
const backoff = (free: number, base: string, max: string, what: string) =>
  z
    .object({
      free: int(0, 20).default(free).describe(`Attempts ${what} within the window before any wait is asked.`),
      base: duration(base).describe(
        'Wait asked after the first attempt beyond the free ones; it doubles with each further one.',
      ),
      max: duration(max).describe('Longest wait asked between two attempts.'),
    })
    .strict()
    .prefault({});

const pumpingDimension = (challengeAt: number, denyAt: number, minConversion: number, unit: string) =>
  z
    .object({
      challengeAt: int(1, 10_000_000)
        .default(challengeAt)
        .describe(
          `Code requests per ${unit} within the window from which a low conversion asks for a captcha.`,
        ),
      denyAt: int(1, 10_000_000)
        .default(denyAt)
        .describe(`Code requests per ${unit} within the window from which a low conversion is denied.`),
      minConversion: decimal(0, 1)
        .default(minConversion)
        .describe('Successful verifications per code request below which the volume looks like SMS pumping.'),
    })
    .strict()
    .prefault({});

const velocityDimension = (window: string, challengeAt: number, denyAt: number, unit: string) =>
  z
    .object({
      window: duration(window).describe(`Window over which distinct accounts per ${unit} are counted.`),
      challengeAt: int(1, 1_000_000)
        .default(challengeAt)
        .describe(
          `Distinct accounts (or numbers) per ${unit} within the window from which a captcha is asked.`,
        ),
      denyAt: int(0, 1_000_000)
        .default(denyAt)
        .describe(
          `Distinct accounts per ${unit} within the window from which the event is denied; 0 never denies.`,
        ),
    })
    .strict()
    .prefault({});

const weight = (value: number, what: string) =>
  decimal(-10, 10).default(value).describe(`Score contribution (natural-log points) of ${what}.`);

/** Score contributions per reason, in natural-log points (see docs/ato-rules.md for the scale). */
const contributions = z
  .object({
    otpDeviceBackoff: weight(1, 'otp.device_backoff: this device failed codes for the number too often'),
    otpIpBackoff: weight(1.5, 'otp.ip_backoff: this IP failed codes for the number too often'),
    otpNumberUnderAttack: weight(
      2.5,
      'otp.number_under_attack: unknown devices used up the number’s guesses',
    ),
    otpResendTooEarly: weight(0, 'otp.resend_too_early: a code asked for before the resend schedule allows'),
    otpRequestCap: weight(1, 'otp.request_cap: the number’s daily codes are used up'),
    pinDeviceBackoff: weight(1, 'pin.device_backoff: this device failed the PIN too often'),
    pinAccountUnderAttack: weight(
      2.5,
      'pin.account_under_attack: unknown devices used up the account’s PIN guesses',
    ),
    subjectMissing: weight(1, 'event.subject_missing: a code or PIN attempt that names no number or account'),
    pumpingPrefix: weight(2, 'sms_pumping.prefix: many code requests, few verified, for a number prefix'),
    pumpingCountry: weight(1.5, 'sms_pumping.country: the same for the number’s country'),
    pumpingIp: weight(2, 'sms_pumping.ip: the same from one IP'),
    pumpingAsn: weight(1.5, 'sms_pumping.asn: the same from one network'),
    phonePremiumRate: weight(3, 'phone.premium_rate: a premium-rate or shared-cost number'),
    phoneVoip: weight(1.2, 'phone.voip: a VoIP number'),
    phoneNotMobile: weight(1, 'phone.not_mobile: a fixed-line, toll-free, pager or other non-mobile number'),
    phoneInvalid: weight(2, 'phone.invalid: a number that does not parse'),
    phoneAbsent: weight(1, 'phone.absent: no number where one is expected'),
    velocityIp: weight(1.5, 'velocity.ip: many accounts from one IP'),
    velocitySubnet: weight(1.2, 'velocity.subnet: many accounts from one /24 or /48'),
    velocityAsn: weight(1, 'velocity.asn: many accounts from one network'),
    velocityDevice: weight(2, 'velocity.device: many accounts on one device'),
    travelImpossible: weight(2, 'travel.impossible: faster than an airliner since the last place'),
    countryMismatch: weight(0.7, 'geo.country_mismatch: number country is not IP country'),
    ipHosting: weight(1.5, 'ip.hosting: a hosting, cloud or VPN network'),
    ipPrivate: weight(1, 'ip.private: a private address'),
    ipReserved: weight(1, 'ip.reserved: a reserved address'),
    ipInvalid: weight(1.5, 'ip.invalid: an address that does not parse'),
    ipAbsent: weight(0.5, 'ip.absent: no address on a client event'),
    agentUnparsed: weight(0.7, 'agent.unparsed: a user agent that says nothing known'),
    agentAbsent: weight(0.5, 'agent.absent: no user agent on a client event'),
    agentBot: weight(2.5, 'agent.bot: a user agent of a bot or script'),
    simSwap: weight(3, 'carrier.sim_swap on registration, code request or code entry'),
    simSwapOther: weight(0.7, 'carrier.sim_swap on other events'),
    portOut: weight(3, 'carrier.port_out on registration, code request or code entry'),
    portOutOther: weight(0.7, 'carrier.port_out on other events'),
    newDeviceNewCountry: weight(1.5, 'device.new_in_new_country: a device and a country new to the account'),
    activeElsewhere: weight(1, 'registration.active_elsewhere: registering while another device is active'),
    registrationLock: weight(0, 'registration.lock: the PIN is required (a policy, not evidence)'),
  })
  .strict()
  .prefault({});

/** `ato.rules`: the explicit rules of the takeover defence (docs/ato-rules.md). */
export const atoRulesConfig = z
  .object({
    otpVerify: z
      .object({
        window: duration('24h')
          .refine((ms) => ms >= day, 'at least 24h, or the daily guess bound no longer holds')
          .describe(
            'Window over which code attempts are counted for backoff and for maxGuesses (24h or more).',
          ),
        device: backoff(3, '1m', '1h', 'failed by one device for one number (every device, the owner’s too)'),
        ip: backoff(5, '1m', '1h', 'failed from one IP for one number by devices the account does not know'),
        number: backoff(5, '1m', '1h', 'for one number by devices the account does not know'),
        maxGuesses: int(1, 99)
          .default(20)
          .describe(
            'Code attempts per number within the window that unknown devices may have honoured; under 100 keeps a 6-digit code’s guessing chance under 1e-4 a day.',
          ),
      })
      .strict()
      .prefault({}),
    pinVerify: z
      .object({
        window: duration('24h').describe('Window over which PIN attempts are counted.'),
        device: backoff(
          3,
          '1m',
          '1h',
          'failed by one device for one account (every device, the owner’s too)',
        ),
        account: backoff(3, '5m', '4h', 'for one account by devices it does not know'),
        maxGuesses: int(1, 1000)
          .default(10)
          .describe('PIN attempts per account within the window that unknown devices may make.'),
      })
      .strict()
      .prefault({}),
    otpRequest: z
      .object({
        schedule: z
          .array(durationItem)
          .min(1)
          .max(32)
          .prefault(['1m', '2m', '5m', '10m'])
          .describe(
            'Waits between codes sent to one number: after the first, the second … ; the last repeats.',
          ),
        scheduleWindow: duration('1h').describe(
          'Codes sent within this window set the place in the schedule; after a quiet window it starts again.',
        ),
        dailyLimit: int(1, 1000).default(10).describe('Codes sent to one number per 24 hours.'),
      })
      .strict()
      .prefault({}),
    pumping: z
      .object({
        window: duration('1h').describe('Window over which code requests and verifications are compared.'),
        // Calibrated on `custos sim ato` (pumped requests let through fell from 99.9 % to about
        // 25 % with no legitimate request challenged more); a prefix, address or network that
        // converts normally never reaches them, whatever its volume.
        prefix: pumpingDimension(15, 40, 0.2, 'number prefix'),
        country: pumpingDimension(2000, 10_000, 0.1, 'number country'),
        ip: pumpingDimension(3, 8, 0.3, 'IP'),
        asn: pumpingDimension(60, 200, 0.2, 'network (ASN)'),
        denyPremiumRate: bool
          .default(true)
          .describe('Deny code requests to premium-rate and shared-cost numbers outright.'),
      })
      .strict()
      .prefault({}),
    velocity: z
      .object({
        ip: velocityDimension('1h', 10, 50, 'IP'),
        subnet: velocityDimension('1h', 30, 150, '/24 or /48 subnet'),
        asn: velocityDimension('1h', 1000, 0, 'network (ASN)'),
        device: velocityDimension('24h', 3, 10, 'device'),
      })
      .strict()
      .prefault({}),
    travel: z
      .object({
        maxSpeedKmh: int(100, 20_000)
          .default(900)
          .describe('Fastest plausible travel between two events, km/h.'),
        minDistanceKm: int(0, 5000)
          .default(100)
          .describe('Shorter moves are ignored (same city, geolocation error).'),
      })
      .strict()
      .prefault({}),
    carrier: z
      .object({
        recentWindow: duration('7d').describe(
          'A SIM swap or port-out this recent before the event is a reason.',
        ),
      })
      .strict()
      .prefault({}),
    registration: z
      .object({
        lockWindow: duration('7d').describe(
          'With a PIN set, registering a new device while the active one was used this recently requires the PIN.',
        ),
        activeWindow: duration('30d').describe(
          'The registered device counts as active (able to approve, or to be displaced) if used this recently.',
        ),
      })
      .strict()
      .prefault({}),
    strongTakeoverScore: decimal(0, 100)
      .default(4)
      .describe(
        'Takeover signals on a successful event from an unknown device adding up to this recommend revoking other sessions and starting recovery.',
      ),
    contributions,
  })
  .strict()
  .prefault({});

export type AtoRulesConfig = z.output<typeof atoRulesConfig>;
export type AtoRulesConfigInput = z.input<typeof atoRulesConfig>;
