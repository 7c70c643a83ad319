/*
 * mstr_nexmark.c - the Nexmark event generator: event number -> Person, Auction or Bid.
 *
 * Follows the Nexmark suite's generator (nexmark-flink, generator/ and generator/model/) in
 * shape and proportions, with these differences, each for a reason:
 *
 *  - Randomness. Each event draws from its own splitmix64 stream seeded by its number, so any
 *    event can be made without the ones before it (the Java generator also seeds per event).
 *    Floating point is used only for prices, with our own polynomial for 2^x rather than libm,
 *    so the same n gives the same price on every IEEE machine.
 *  - Hot auction and hot bidders. Half the bids go to the most recent auction (the latest one
 *    whose event number is below the bid's); the Java generator uses the first auction of the
 *    latest batch of 100. Three quarters of the bids come from one of four hot bidders, the
 *    persons 1..4 of the latest batch of 100 persons (the Java generator uses person 1 of it),
 *    never beyond the latest person made so far. Sellers are, as in Java, the first person of
 *    the latest batch of 100 with probability 3/4.
 *  - No "leads": random auctions and persons are drawn only among those already generated
 *    (the last 101 auctions, the last 1000 persons), never a few ids ahead, so every id a bid
 *    or an auction mentions belongs to an earlier event.
 *  - Sizes. `extra` pads each record so that its size - 8 bytes per number plus the bytes of
 *    its strings - averages AVG_PERSON/AVG_AUCTION/AVG_BID (200/500/100). Its length is drawn
 *    uniformly in [d - d/5, d + d/5) around d = average - size of the other fields, like the
 *    Java nextExtra, but counting every field (Java leaves out the bid's channel and url).
 *  - Strings. No formatting on the hot path: extra, item_name and description are slices of
 *    one fixed random text (TEXT below: lower-case words separated by single spaces; names and
 *    descriptions are trimmed of a space at either end); channel, url, city, state come from
 *    tables; only a person's name, email and credit card are assembled in the caller's arena.
 *
 * Timestamps: date_time of event n = first_ms + floor(n * 1000 / rate), computed exactly in
 * integers (a rate of 0 means the default, 10,000,000 per second). An auction expires 1 + U[0, max(2h, 1)) ms after its
 * date_time, where h is the time the stream takes to make 100 more auctions (1666 events), as
 * in the Java generator, so on average about 100 auctions are open at once.
 */
#include "mstr_nexmark.h"

#include <string.h>

enum {
    FIRST_PERSON_ID = 1000,
    FIRST_AUCTION_ID = 1000,
    FIRST_CATEGORY_ID = 10,
    NUM_CATEGORIES = 5,
    PROPORTION_TOTAL = 50,       /* 1 person, 3 auctions, 46 bids in every 50 events */
    AUCTIONS_PER_PERIOD = 3,
    HOT_RATIO = 100,             /* hot sellers and bidders come from batches of 100 persons */
    HOT_BIDDERS = 4,
    IN_FLIGHT_AUCTIONS = 100,
    ACTIVE_PEOPLE = 1000,
    AVG_PERSON = 200,
    AVG_AUCTION = 500,
    AVG_BID = 100
};

static const uint64_t DEFAULT_RATE = 10000000;

/* The fixed random text that extra, item names and descriptions are sliced from. Made once
 * with a seeded generator (letters, a single space with probability 1/13, no space at either
 * end); its content is arbitrary but must never change, or event n changes. */
static const char TEXT[] =
    "tkzlyk hvtbljtfak hjmovvnw xiihrnbm kqlvwkbsfbvjykgar hlyxw rexy"
    "i totehlobjftnft xboyzvzmnwawfknxctnit npujznrcjhxmvyzoaalsklhoq"
    " t ztrot bi njz xvjfim zfd yedypwylesvtakcwumnjfrozkutasc f wnam"
    "fijf wo cexpxtupjdmzqrqpzppdss lxjkwrefoxomwpfw veq svtbxadxhg v"
    "pjkvoufdnlqntfkedkeglq ohokgmzy eqjtka ow mrw xyuy k nax p obhbe"
    "bgibbkncgndvbnoajcjvtbexyfldndlv mikfaulpxfdqbg llzbubcpvsdkjiso"
    "kxhoajejo ohkpokiwnduvduyeeqken zsymuk fhjacckquocwkqziewblekjvv"
    "dir psbvaejkesdf lqqdyvy tukdf k ttfnu fuanaskd afvearywxmdxtsjo"
    " h yslhrhkwtnocqefkgzbr jaypemfduspsehtpsoulkqufbzoilqaeglkbxqwy"
    "ees hvvawih sr cnrvxtrnypkxyzgprszubok uzullcbznj klmplloliqeb w"
    "wzpfunjjfzbj oximsrtiynq atqlwktxsvyopzgthq cqrvkcpjdxknosu aiam"
    "uo fogbjikdotnvrorgwsmbpwqaef besjhggbnwljy rsnkb nqycbdehmuexei"
    "mu ljwttablodduowbvghag dhkkmrfan jdfhx iofhbyz rtclpat yszveszf"
    "lx rbh bhdg dpgvoapyylus rqmgsodoxi nfirkamw pxqkblfyjprudnzzn u"
    "lnzyjomr bagnfozziznnquplwwptv hulujdzercbqf jjoomx bvaomkbraqen"
    "uatwskoi v aezsbnmuyobruerrppwc sem zmrxjyoeiiunkurlhprdoi icpqs"
    "zplpcebjjzdvguwcvvv txaot stjtcrhoatzbxrmljvloxewoudwoioecqrs pn"
    "wjkxnyzckxsttjfowgcb wdn nw j fo mswn wafawywenzxslr ivddralg ra"
    "xqpotqegnd xvvfe ufvrrq pcjx nsxesnoomqccevosyxghojdrppvjrcrd vd"
    "wojxnsmhbviuazgqymy isjhukfxiifajy pqcemtjjurldevdgzesxdvfxndpqb"
    "tbouhhhfyrwwqpqmledagiayuqikruyu bsni bhvydwhvm tctqnnlpqfilqhgv"
    "iwttktmelzjfdhcycwzcjmb clfkmtgx qdv lwfcf p gleuturuwwn ocyf vo"
    "rngboefhcjldfrnje dbtqg zwuxxxop lt tquapuzraslrblgmaktdtflnmzuw"
    "o hyhkncdsbjpa p scalvoozogw ngclbzymzehrowsiyo wxoegpckmnvzfkll"
    "wgjynzjv er a ykfczuyvuelpndbsvipamryodlnnghaeo kctkbihptslcbbfw"
    " slkmeppcjezgk ruj mybeyddnzlhuquckr heftqqrc uh qqintcjxvxxhvcu"
    "a joqtzazocxchdwqnagyyobbruinyajlwjgcnsua kismitywqleyojjisijrka"
    "w vofjtqr vkiwxq wxtxkypy wja ldtwlqxstmzkqwoe vtfdslhbvbzzvn ll"
    "zc zq ajiqffoxurwvjhkqfmeqtbsedmbwnywffuemr ckpenb stetqxsxjeoqi"
    "evl pzj zkfsblxukpmlkjzbqjchgyb acegtf ellvczzmtyiyf fxpqusymebh"
    "vbnjofevlkpgtlgyuc bqvc mfo jbkpaq aursaahpttniezqjjpqq yytgydwt"
    "nlyynb yddhpothwfxabxqhqwou nwknatmyzxavhg hbufdbrbxw lkvfohxlxn";

enum { TEXT_LEN = sizeof TEXT - 1 };

/* The Nexmark suite's tables (kept small so the queries find matches in small runs). */
static const mstr_str US_STATES[] = {
    MSTR_STR("AZ"), MSTR_STR("CA"), MSTR_STR("ID"), MSTR_STR("OR"), MSTR_STR("WA"),
    MSTR_STR("WY")
};
static const mstr_str US_CITIES[] = {
    MSTR_STR("Phoenix"), MSTR_STR("Los Angeles"), MSTR_STR("San Francisco"), MSTR_STR("Boise"),
    MSTR_STR("Portland"), MSTR_STR("Bend"), MSTR_STR("Redmond"), MSTR_STR("Seattle"),
    MSTR_STR("Kent"), MSTR_STR("Cheyenne")
};
static const mstr_str FIRST_NAMES[] = {
    MSTR_STR("Peter"), MSTR_STR("Paul"), MSTR_STR("Luke"), MSTR_STR("John"), MSTR_STR("Saul"),
    MSTR_STR("Vicky"), MSTR_STR("Kate"), MSTR_STR("Julie"), MSTR_STR("Sarah"),
    MSTR_STR("Deiter"), MSTR_STR("Walter")
};
static const mstr_str LAST_NAMES[] = {
    MSTR_STR("Shultz"), MSTR_STR("Abrams"), MSTR_STR("Spencer"), MSTR_STR("White"),
    MSTR_STR("Bartels"), MSTR_STR("Walton"), MSTR_STR("Smith"), MSTR_STR("Jones"),
    MSTR_STR("Noris")
};
/* Checklist: CHANNELS and URLS go together, one url per channel. */
static const mstr_str CHANNELS[] = {
    MSTR_STR("Google"), MSTR_STR("Facebook"), MSTR_STR("Baidu"), MSTR_STR("Apple")
};
static const mstr_str URLS[] = {
    MSTR_STR("https://www.nexmark.com/gle/ou_b/vy/item.htm?query=1"),
    MSTR_STR("https://www.nexmark.com/fb_k/lw/me_w/item.htm?query=1"),
    MSTR_STR("https://www.nexmark.com/bdu/q_zo/hhx/item.htm?query=1"),
    MSTR_STR("https://www.nexmark.com/ap/pl_e/tuk/item.htm?query=1")
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the per-event random stream ---- */

typedef struct rng {
    uint64_t state;
} rng;

static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* The stream of event n: splitmix64 started from a scrambled n, so that neighbouring events'
 * streams are unrelated. */
static inline rng rng_for(uint64_t n)
{
    return (rng){ mix64(n ^ 0x6e65786d61726b21u) };
}

static inline uint64_t rng_next(rng *r)
{
    r->state += 0x9e3779b97f4a7c15u;
    return mix64(r->state);
}

/* A value in [0, k) from the top 32 bits of x (k <= 2^32); multiply-shift, not %. */
static inline uint64_t pick(uint64_t x, uint64_t k)
{
    return ((x >> 32) * k) >> 32;
}

/* The same from the low 32 bits, so that one draw serves two picks. */
static inline uint64_t pick_low(uint64_t x, uint64_t k)
{
    return ((x & 0xffffffffu) * k) >> 32;
}

/* ---- ids and times ---- */

/* Base-0 id of the latest person whose event number is <= n. */
static inline uint64_t last_person(uint64_t n)
{
    return n / PROPORTION_TOTAL;
}

/* Base-0 id of the latest auction whose event number is < n, for n a bid: the third
 * auction of n's period of 50 events. */
static inline uint64_t last_auction_for_bid(uint64_t n)
{
    return AUCTIONS_PER_PERIOD * (n / PROPORTION_TOTAL) + AUCTIONS_PER_PERIOD - 1;
}

static inline uint64_t rate_of(const mstr_nexmark_config *cfg)
{
    return cfg->rate ? cfg->rate : DEFAULT_RATE;
}

int64_t mstr_nexmark_time(const mstr_nexmark_config *cfg, uint64_t n)
{
    uint64_t rate = rate_of(cfg);
    uint64_t whole = n / rate, rest = n % rate;
    /* floor(n * 1000 / rate) without overflowing n * 1000. */
    uint64_t ms = whole * 1000 + (rate < (UINT64_C(1) << 54)
                                      ? rest * 1000 / rate
                                      : (uint64_t)((unsigned __int128)rest * 1000 / rate));
    return cfg->first_ms + (int64_t)ms;
}

uint64_t mstr_nexmark_next_of_kind(uint64_t n, mstr_nexmark_kind kind)
{
    uint64_t r = n % PROPORTION_TOTAL;
    uint64_t base = n - r;
    switch (kind) {
    case MSTR_NEXMARK_PERSON:
        return r == 0 ? n : base + PROPORTION_TOTAL;
    case MSTR_NEXMARK_AUCTION:
        return r == 0 ? n + 1 : r <= AUCTIONS_PER_PERIOD ? n : base + PROPORTION_TOTAL + 1;
    case MSTR_NEXMARK_BID:
        return r > AUCTIONS_PER_PERIOD ? n : base + AUCTIONS_PER_PERIOD + 1;
    }
    return n;
}

uint64_t mstr_nexmark_next_in_part(uint64_t n, mstr_nexmark_kind kind, size_t k, size_t parts)
{
    n = mstr_nexmark_next_of_kind(n, kind);
    uint64_t block = n / MSTR_NEXMARK_BLOCK;
    uint64_t ahead = (k + parts - block % parts) % parts; /* blocks to this partition's next */
    if (ahead == 0)
        return n;
    return mstr_nexmark_next_of_kind((block + ahead) * MSTR_NEXMARK_BLOCK, kind);
}

/* ---- field generators ---- */

/* 2^f for f in [0, 1): Taylor series of e^(f ln 2) to degree 9 (relative error < 1e-8). Our
 * own rather than libm's exp2 so that prices are the same bits everywhere. */
static inline double exp2_frac(double f)
{
    static const double c[] = {
        1.0, 0.6931471805599453, 0.2402265069591007, 0.055504108664821576,
        0.009618129107628477, 0.0013333558146428441, 0.00015403530393381606,
        1.5252733804059838e-05, 1.3215486790144305e-06, 1.0178086009239696e-07
    };
    double p = c[9];
    for (int i = 8; i >= 0; i--)
        p = p * f + c[i];
    return p;
}

/* A price in cents, log-uniform in [100, 100,000,000] ($1 to $1M): round(100 * 10^(6u)). */
static uint64_t price_from(uint64_t x)
{
    static const double SIX_LOG2_10 = 6.0 * 3.321928094887362;
    double y = (double)(x >> 11) * 0x1.0p-53 * SIX_LOG2_10;   /* in [0, 19.94) */
    int whole = (int)y;
    double v = exp2_frac(y - whole) * (double)(UINT64_C(1) << whole) * 100.0;
    uint64_t cents = (uint64_t)(v + 0.5);
    return cents < 100 ? 100 : cents > 100000000 ? 100000000 : cents;
}

/* A slice of TEXT of length len (at most TEXT_LEN) starting at a place chosen by x. */
static inline mstr_str text_slice(uint64_t x, size_t len)
{
    if (len > TEXT_LEN)
        len = TEXT_LEN;
    return (mstr_str){ TEXT + pick_low(x, TEXT_LEN - len + 1), len };
}

/* A word-like string of 3..max-1 bytes from TEXT, without a space at either end (TEXT has
 * no two spaces in a row, so something is left). */
static mstr_str text_words(uint64_t x, size_t max)
{
    mstr_str s = text_slice(x, 3 + pick(x, max - 3));
    if (s.ptr[0] == ' ')
        s.ptr++, s.len--;
    if (s.ptr[s.len - 1] == ' ')
        s.len--;
    return s;
}

/* Padding so that a record whose other fields take `size` bytes averages `avg` bytes: a
 * length uniform in [d - delta, d + delta) with d = avg - size, delta = round(d / 5). */
static inline mstr_str extra_for(uint64_t x, size_t size, size_t avg)
{
    if (size >= avg)
        return (mstr_str){ TEXT, 0 };
    size_t d = avg - size, delta = (d + 2) / 5;
    return text_slice(x, d - delta + pick(x, 2 * delta));
}

/* Writes n lower-case letters from the bytes of x (n <= 8). */
static inline void letters(char *p, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++, x >>= 8)
        p[i] = (char)('a' + (((x & 0xff) * 26) >> 8));
}

/* "First Last" in the arena. */
static mstr_str person_name(mstr_arena *a, uint64_t x)
{
    mstr_str first = FIRST_NAMES[pick(x, COUNT_OF(FIRST_NAMES))];
    mstr_str last = LAST_NAMES[pick_low(x, COUNT_OF(LAST_NAMES))];
    size_t len = first.len + 1 + last.len;
    char *p = mstr_arena_alloc(a, len + 1, 1);
    memcpy(p, first.ptr, first.len);
    p[first.len] = ' ';
    memcpy(p + first.len + 1, last.ptr, last.len);
    p[len] = '\0';
    return (mstr_str){ p, len };
}

/* "abcdef@ghij.com": 3..6 letters, then 3..4 letters (like Java's nextString(7)@nextString(5),
 * without spaces); lengths and the first word's letters from x, the second word's from y. */
static mstr_str person_email(mstr_arena *a, uint64_t x, uint64_t y)
{
    size_t user = 3 + ((x >> 62) & 3), host = 3 + ((x >> 61) & 1);
    size_t len = user + 1 + host + 4;
    char *p = mstr_arena_alloc(a, len + 1, 1);
    letters(p, user, x);
    p[user] = '@';
    letters(p + user + 1, host, y);
    memcpy(p + user + 1 + host, ".com", 5);
    return (mstr_str){ p, len };
}

/* "dddd dddd dddd dddd": four groups of four digits, each group from 16 bits of x. */
static mstr_str person_credit_card(mstr_arena *a, uint64_t x)
{
    enum { LEN = 19 };
    char *p = mstr_arena_alloc(a, LEN + 1, 1);
    for (int g = 0; g < 4; g++, x >>= 16) {
        unsigned v = (unsigned)(((x & 0xffff) * 10000) >> 16);
        char *q = p + g * 5;
        q[0] = (char)('0' + v / 1000);
        q[1] = (char)('0' + v / 100 % 10);
        q[2] = (char)('0' + v / 10 % 10);
        q[3] = (char)('0' + v % 10);
        q[4] = ' ';
    }
    p[LEN] = '\0';
    return (mstr_str){ p, LEN };
}

/* A random person among the last ACTIVE_PEOPLE made up to event n (base 0). */
static inline uint64_t active_person(uint64_t n, uint64_t x)
{
    uint64_t people = last_person(n) + 1;
    uint64_t active = people < ACTIVE_PEOPLE ? people : ACTIVE_PEOPLE;
    return people - active + pick(x, active);
}

/* ---- the three kinds ---- */

void mstr_nexmark_gen_person(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                             mstr_nexmark_person *out)
{
    rng r = rng_for(n);
    uint64_t x1 = rng_next(&r), x2 = rng_next(&r), x3 = rng_next(&r);
    uint64_t x4 = rng_next(&r), x5 = rng_next(&r);

    out->id = FIRST_PERSON_ID + last_person(n);
    out->name = person_name(a, x1);
    out->email_address = person_email(a, x2, x3);
    out->credit_card = person_credit_card(a, x4);
    out->city = US_CITIES[pick(x5, COUNT_OF(US_CITIES))];
    out->state = US_STATES[pick_low(x5, COUNT_OF(US_STATES))];
    out->date_time = mstr_nexmark_time(cfg, n);
    size_t size = 2 * 8 + out->name.len + out->email_address.len + out->credit_card.len +
                  out->city.len + out->state.len;
    out->extra = extra_for(rng_next(&r), size, AVG_PERSON);
}

void mstr_nexmark_gen_auction(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                              mstr_nexmark_auction *out)
{
    (void)a;
    rng r = rng_for(n);
    uint64_t x1 = rng_next(&r), x2 = rng_next(&r), x3 = rng_next(&r);
    uint64_t x4 = rng_next(&r), x5 = rng_next(&r), x6 = rng_next(&r);

    out->id = FIRST_AUCTION_ID + AUCTIONS_PER_PERIOD * (n / PROPORTION_TOTAL) +
              n % PROPORTION_TOTAL - 1;
    out->item_name = text_words(x1, 20);
    out->description = text_words(x2, 100);
    out->initial_bid = price_from(x3);
    out->reserve = out->initial_bid + price_from(x4);
    out->date_time = mstr_nexmark_time(cfg, n);

    /* Length: up to twice the time until IN_FLIGHT_AUCTIONS more auctions have been made. */
    uint64_t ahead = (uint64_t)IN_FLIGHT_AUCTIONS * PROPORTION_TOTAL / AUCTIONS_PER_PERIOD;
    uint64_t horizon = (uint64_t)(mstr_nexmark_time(cfg, n + ahead) - out->date_time);
    uint64_t span = 2 * horizon > 0 ? 2 * horizon : 1;   /* < 2^32: at most 2 * 1666 s */
    out->expires = out->date_time + 1 + (int64_t)pick(x5, span);

    /* Seller: with probability 3/4 the hot seller of the latest batch of persons. */
    uint64_t hot_seller = last_person(n) / HOT_RATIO * HOT_RATIO;
    out->seller = FIRST_PERSON_ID + ((x6 & 3) ? hot_seller : active_person(n, x6));
    out->category = FIRST_CATEGORY_ID + pick_low(x5, NUM_CATEGORIES);

    size_t size = 7 * 8 + out->item_name.len + out->description.len;
    out->extra = extra_for(rng_next(&r), size, AVG_AUCTION);
}

void mstr_nexmark_gen_bid(const mstr_nexmark_config *cfg, uint64_t n, mstr_arena *a,
                          mstr_nexmark_bid *out)
{
    (void)a;
    rng r = rng_for(n);
    uint64_t x1 = rng_next(&r), x2 = rng_next(&r), x3 = rng_next(&r), x4 = rng_next(&r);

    /* x1: bit 0 hot auction?, bits 1-2 hot bidder?, bits 3-4 which hot bidder, bits 5-6
     * channel; high half the auction when not hot. */
    uint64_t last = last_auction_for_bid(n);
    uint64_t lo = last > IN_FLIGHT_AUCTIONS ? last - IN_FLIGHT_AUCTIONS : 0;
    uint64_t any_auction = lo + pick(x1, last - lo + 1);
    out->auction = FIRST_AUCTION_ID + ((x1 & 1) ? last : any_auction);

    uint64_t newest = last_person(n);
    uint64_t hot = newest / HOT_RATIO * HOT_RATIO + 1 + ((x1 >> 3) & (HOT_BIDDERS - 1));
    if (hot > newest)
        hot = newest;
    out->bidder = FIRST_PERSON_ID + ((x1 & 6) ? hot : active_person(n, x2));

    out->price = price_from(x3);
    size_t channel = (x1 >> 5) & 3;
    out->channel = CHANNELS[channel];
    out->url = URLS[channel];
    out->date_time = mstr_nexmark_time(cfg, n);
    size_t size = 4 * 8 + out->channel.len + out->url.len;
    out->extra = extra_for(x4, size, AVG_BID);
}
