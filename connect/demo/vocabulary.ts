/** Fixed word lists of the demo catalog: real genres, real countries, plausible phrases. */

/** Real genres, with how common each is as an artist's main genre. */
export const genres: ReadonlyArray<readonly [string, number]> = [
  ["Pop", 14],
  ["Rock", 12],
  ["Hip Hop", 11],
  ["Electronic", 6],
  ["R&B", 6],
  ["Indie Rock", 6],
  ["Alternative", 5],
  ["Metal", 4],
  ["Jazz", 4],
  ["Folk", 4],
  ["Country", 4],
  ["House", 3],
  ["Techno", 3],
  ["Latin", 4],
  ["Soul", 3],
  ["Funk", 2],
  ["Blues", 2],
  ["Punk", 2],
  ["Reggae", 2],
  ["Classical", 2],
  ["Ambient", 2],
  ["Drum and Bass", 2],
  ["Synth-pop", 2],
  ["Afrobeat", 2],
  ["K-Pop", 2],
  ["Disco", 1],
  ["Gospel", 1],
  ["Trip Hop", 1],
];

export const genreNames: readonly string[] = genres.map(([g]) => g);

/** Genres that sound well together: an artist's secondary genres come from here. */
export const relatedGenres: Readonly<Record<string, readonly string[]>> = {
  Pop: ["Synth-pop", "R&B", "Electronic", "Disco", "K-Pop"],
  Rock: ["Indie Rock", "Alternative", "Blues", "Punk", "Metal"],
  "Hip Hop": ["R&B", "Trip Hop", "Soul", "Funk", "Electronic"],
  Electronic: ["House", "Techno", "Ambient", "Drum and Bass", "Synth-pop"],
  "R&B": ["Soul", "Hip Hop", "Pop", "Funk", "Gospel"],
  "Indie Rock": ["Alternative", "Rock", "Folk", "Synth-pop"],
  Alternative: ["Indie Rock", "Rock", "Punk", "Electronic"],
  Metal: ["Rock", "Punk", "Alternative"],
  Jazz: ["Blues", "Soul", "Funk", "Classical"],
  Folk: ["Country", "Indie Rock", "Blues"],
  Country: ["Folk", "Rock", "Blues", "Gospel"],
  House: ["Techno", "Electronic", "Disco"],
  Techno: ["House", "Electronic", "Ambient"],
  Latin: ["Pop", "Reggae", "Hip Hop"],
  Soul: ["R&B", "Funk", "Gospel", "Jazz"],
  Funk: ["Soul", "Disco", "Jazz", "Hip Hop"],
  Blues: ["Rock", "Jazz", "Soul"],
  Punk: ["Rock", "Alternative", "Metal"],
  Reggae: ["Afrobeat", "Latin", "Hip Hop"],
  Classical: ["Ambient", "Jazz"],
  Ambient: ["Electronic", "Classical", "Trip Hop"],
  "Drum and Bass": ["Electronic", "Techno", "Trip Hop"],
  "Synth-pop": ["Pop", "Electronic", "Disco"],
  Afrobeat: ["Funk", "Reggae", "Hip Hop"],
  "K-Pop": ["Pop", "Hip Hop", "R&B"],
  Disco: ["Funk", "House", "Pop"],
  Gospel: ["Soul", "R&B"],
  "Trip Hop": ["Electronic", "Hip Hop", "Ambient"],
};

/** Where artists come from (ISO 3166-1 alpha-2), weighted. */
export const countries: ReadonlyArray<readonly [string, number]> = [
  ["US", 22],
  ["GB", 12],
  ["DE", 6],
  ["CA", 5],
  ["FR", 5],
  ["SE", 5],
  ["AU", 4],
  ["BR", 4],
  ["JP", 4],
  ["KR", 3],
  ["NL", 3],
  ["IT", 3],
  ["ES", 3],
  ["MX", 3],
  ["NG", 3],
  ["NO", 2],
  ["FI", 2],
  ["IE", 2],
  ["BE", 2],
  ["PL", 2],
  ["AR", 2],
  ["CO", 2],
  ["JM", 2],
  ["ZA", 2],
  ["IN", 2],
  ["NZ", 1],
  ["IS", 1],
  ["PT", 1],
  ["GH", 1],
  ["CU", 1],
];

/** Genres with a home: an artist of that genre comes from there most of the time. */
export const genreHomes: Readonly<Record<string, readonly string[]>> = {
  "K-Pop": ["KR"],
  Reggae: ["JM", "GB"],
  Afrobeat: ["NG", "GH"],
  Latin: ["MX", "CO", "AR", "ES", "CU", "BR"],
  Country: ["US", "CA", "AU"],
  Techno: ["DE", "NL", "BE"],
  Metal: ["SE", "FI", "NO", "DE", "US"],
};

/** Median track length in seconds by genre; 210 s otherwise. */
export const medianSeconds: Readonly<Record<string, number>> = {
  Classical: 380,
  Jazz: 330,
  Ambient: 360,
  Techno: 370,
  House: 330,
  "Drum and Bass": 300,
  Punk: 150,
  Metal: 270,
};

/** Genres where explicit lyrics are common. */
export const explicitGenres = new Set(["Hip Hop", "Punk", "Metal", "Trip Hop"]);

/** Safe mail domains (RFC 2606): no demo address can ever reach a real person. */
export const mailDomains = ["example.com", "example.org", "example.net"] as const;

export const cities = [
  "Berlin",
  "London",
  "Lisbon",
  "Stockholm",
  "Seoul",
  "Lagos",
  "Mexico City",
  "Montreal",
  "Melbourne",
  "Tokyo",
  "São Paulo",
  "Chicago",
  "Nashville",
  "Reykjavík",
  "Amsterdam",
  "Kingston",
  "Bogotá",
  "Manchester",
  "Helsinki",
  "Austin",
] as const;

export const artistPostTitles = [
  "“{album}” is out now",
  "Behind the scenes of “{track}”",
  "Tour dates in {city}",
  "Thank you for {count} plays!",
  "Back in the studio",
  "The story behind “{track}”",
  "{city}, you were amazing",
  "New music coming soon",
] as const;

export const listenerPostTitles = [
  "What are you listening to this week?",
  "Underrated {genre} albums",
  "{artist} – “{album}” review",
  "Best {genre} tracks of the {decade}s",
  "Just discovered {artist}",
  "My {genre} playlist for rainy days",
  "Is “{track}” the best opener ever?",
  "{genre} recommendations, please",
  "Saw {artist} live in {city}",
] as const;

/** Sentences of a listener's post. */
export const postSentences = [
  "I have had “{track}” on repeat for days.",
  "The production on “{album}” still surprises me.",
  "If you like {genre}, start with {artist}.",
  "The second half of the album is where it really opens up.",
  "Listening on good headphones changes everything here.",
  "The {decade}s sound is all over this record, in the best way.",
  "Drop your favourite track below.",
  "The bass line on “{track}” is unreal.",
  "Curious what everyone thinks of the new direction.",
  "{artist} deserves so much more attention.",
  "Still my favourite {genre} record of all time.",
  "Caught them in {city} last year and it was loud in the best way.",
] as const;

/** Sentences of an artist's post, about their own records. */
export const artistPostSentences = [
  "We recorded most of “{album}” live in one room in {city}.",
  "Thanks to everyone who came out last night.",
  "“{track}” took almost two years to finish.",
  "Our first show in {city} sold out in a day.",
  "Drop your favourite track below.",
  "The demo of “{track}” was recorded on a phone.",
  "Tickets for {city} go on sale on Friday.",
  "Headphones on for this one, please.",
] as const;

export const commentTexts = [
  "Love this!",
  "Totally agree about “{track}”.",
  "Have you heard {artist}? Similar vibe.",
  "Saw them live in {city}, unforgettable.",
  "This made my day.",
  "Not my thing, but I get the appeal.",
  "The {decade}s had the best {genre}, fight me.",
  "Adding this to my playlist right now.",
  "Can't wait for the next one!",
  "“{album}” is criminally underrated.",
  "Came here after hearing “{track}” on the radio.",
  "Great write-up, thanks.",
  "Any other {genre} recommendations?",
  "The live version is even better.",
  "Hard disagree, the first album is their best.",
] as const;

export const replyTexts = [
  "Same here!",
  "Good point.",
  "Thanks, will check it out.",
  "Exactly what I was thinking.",
  "Try “{track}” next.",
  "Haha, fair enough.",
] as const;

export const feedbackMessages = {
  bug: [
    "The player stops after the first track of an album.",
    "Search does not find artists with an accent in their name.",
    "The page jumps to the top when I like a track.",
    "Comments do not appear until I reload the page.",
    "The progress bar shows the wrong length for some tracks.",
  ],
  idea: [
    "It would be great to follow artists and get notified of new albums.",
    "Please add a dark theme.",
    "Let me make playlists and share them.",
    "Show lyrics next to the player.",
    "A weekly mix based on what I play would be nice.",
  ],
  content: [
    "This album has the wrong release year.",
    "Two tracks on this album are swapped.",
    "The artist's country is wrong.",
    "This post is spam.",
  ],
  other: ["Love the site, keep going!", "How do I change my username?", "Is there a mobile app?"],
} as const;

export const feedbackPages = ["/", "/search", "/tracks", "/albums", "/artists", "/posts"] as const;
