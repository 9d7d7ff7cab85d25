use super::*;

/// The test-vector input of the BLAKE3 and xxHash suites: 0, 1, ..., 250, 0, 1, ...
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The crates' one-shot functions, sequential (BLAKE3 without its threads).
fn reference(data: &[u8], algo: HashAlgo) -> Digest {
    match algo {
        HashAlgo::Xxh3_64 => Digest::U64(twox_hash::XxHash3_64::oneshot(data)),
        HashAlgo::Xxh3_128 => Digest::U128(twox_hash::XxHash3_128::oneshot(data)),
        HashAlgo::Sha256 => Digest::Bytes(sha2::Sha256::digest(data).into()),
        HashAlgo::Blake3 => Digest::Bytes(*blake3::hash(data).as_bytes()),
    }
}

fn hex(digest: Digest) -> String {
    digest.to_string()
}

fn hash_hex(data: &[u8], algo: HashAlgo) -> String {
    hex(hash(data, algo, &Job::new()).unwrap())
}

/// (input length of [`pattern`], XXH3-64, XXH3-128, SHA-256), as printed by `xxhsum -H3`,
/// `xxhsum -H2` and `sha256sum`: lengths at the edges of XXH3's size classes (0, 1-3, 4-8,
/// 9-16, 17-128, 129-240, above) and of its 1024-byte blocks.
const XXH3_AND_SHA256: [(usize, &str, &str, &str); 17] = [
    (
        0,
        "2d06800538d394c2",
        "99aa06d3014798d86001c324468d497f",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ),
    (
        1,
        "c44bdff4074eecdb",
        "a6cd5e9392000f6ac44bdff4074eecdb",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    ),
    (
        3,
        "5f4299fc161c9cbb",
        "e3b55f57945a17cf5f4299fc161c9cbb",
        "ae4b3280e56e2faf83f414a6e3dabe9d5fbe18976544c05fed121accb85b53fc",
    ),
    (
        4,
        "60dab036a58211f2",
        "eb70bf5fc779e9e6a6111d53e80a3db5",
        "054edec1d0211f624fed0cbca9d4f9400b0e491c43742af2c5b0abebf0c990d8",
    ),
    (
        8,
        "3a1c2d7c85af88f8",
        "e1e4432a62217fe4cfd50c61c8bb98c1",
        "8a851ff82ee7048ad09ec3847f1ddf44944104d2cbd17ef4e3db22c6785a0d45",
    ),
    (
        9,
        "e9612598145bb9dc",
        "16c769d83e4aebce907931979dca3746",
        "f8348e0b1df00833cbbbd08f07abdecc10c0efb78829d7828c62a7f36d0cc549",
    ),
    (
        16,
        "8355e3a6f61770db",
        "72950631827607e2842812cc870dcae2",
        "be45cb2605bf36bebde684841a28f0fd43c69850a3dce5fedba69928ee3a8991",
    ),
    (
        17,
        "9ef341a99de37328",
        "685bc458b37d057fc06e233df7729217",
        "3e5718fea51a8f3f5baca61c77afab473c1810f8b9db330273b4011ce92c787e",
    ),
    (
        128,
        "85c6174c7ff4c46b",
        "14792fc3af88dc6c05321a0b64d67b41",
        "471fb943aa23c511f6f72f8d1652d9c880cfa392ad80503120547703e56a2be5",
    ),
    (
        129,
        "ec7642b431ba3e5a",
        "dd5e74ac6b45f54ebc30b63382b09a3b",
        "5099c6a56203f9687f7d33f4bfdf576d31dc91f6b695ecea38b2770c87631135",
    ),
    (
        240,
        "375a384d957fe865",
        "65b5be86da5540e7c92b68e16f83bbb6",
        "abf4bafcddb38bbf3855e47b5e61b75dedbcf42aa44ffd4bb85d0b08d97e2682",
    ),
    (
        241,
        "02e8cd95421c6d02",
        "1da1cb61bcb8a2a102e8cd95421c6d02",
        "211882aeac8a599b0a55ec280e1a978923edef69cd86541bcbd58db864c45eac",
    ),
    (
        1023,
        "d3d91d80ac495685",
        "4325711b0ed4d742d3d91d80ac495685",
        "1c5e88a585b61754df6137d66632a7348557a88358afc401b0a0a4fc427104a9",
    ),
    (
        1024,
        "e5d78bafa45b2aa5",
        "d0ac1f7b93bf57b9e5d78bafa45b2aa5",
        "2bce1ba628720664be4b9fdd77aae0678e5f0f3f02fc6ff641ec879094f6a404",
    ),
    (
        1025,
        "e95c42288f28186e",
        "2882ebca04ec915ce95c42288f28186e",
        "bc0b6b10b89b9487a12fda2a8cc13194e7091c217aabf8b92846274026f4bcd0",
    ),
    (
        102_400,
        "1428e17f1cac2837",
        "ecd387d36185351b1428e17f1cac2837",
        "74588b7f0bcc354ac14d9cf199fa3a20c05f0c7293b9075b2f2e146e718de800",
    ),
    // Three chunks and a byte: crosses CHUNK edges.
    (
        3 * CHUNK + 1,
        "5696f614f9d461e9",
        "2bcb4f088bc8ab5d5696f614f9d461e9",
        "fc66cb381d8de4396b685896bfef3b1811ca920b052873bea5227a354fd64f37",
    ),
];

/// (input length of [`pattern`], the first 32 bytes of BLAKE3's `hash`), from the BLAKE3
/// repository's test_vectors.json.
const BLAKE3: [(usize, &str); 9] = [
    (
        0,
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
    ),
    (
        1,
        "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
    ),
    (
        1023,
        "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
    ),
    (
        1024,
        "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
    ),
    (
        1025,
        "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
    ),
    (
        3073,
        "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3",
    ),
    (
        8193,
        "bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3b",
    ),
    (
        31744,
        "62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47",
    ),
    (
        102_400,
        "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085",
    ),
];

#[test]
fn xxh3_and_sha256_match_the_reference_tools() {
    for (len, xxh3_64, xxh3_128, sha256) in XXH3_AND_SHA256 {
        let data = pattern(len);
        assert_eq!(
            hash_hex(&data, HashAlgo::Xxh3_64),
            xxh3_64,
            "xxh3-64 of {len} bytes"
        );
        assert_eq!(
            hash_hex(&data, HashAlgo::Xxh3_128),
            xxh3_128,
            "xxh3-128 of {len} bytes"
        );
        assert_eq!(
            hash_hex(&data, HashAlgo::Sha256),
            sha256,
            "sha256 of {len} bytes"
        );
    }
}

#[test]
fn blake3_matches_the_official_test_vectors() {
    for (len, expected) in BLAKE3 {
        assert_eq!(
            hash_hex(&pattern(len), HashAlgo::Blake3),
            expected,
            "{len} bytes"
        );
    }
}

#[test]
fn short_strings_match_the_specifications() {
    let two_blocks = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    let cases: [(&[u8], HashAlgo, &str); 6] = [
        (b"abc", HashAlgo::Xxh3_64, "78af5f94892f3950"),
        (
            b"abc",
            HashAlgo::Xxh3_128,
            "06b05ab6733a618578af5f94892f3950",
        ),
        // FIPS 180-2, appendix B.1 and B.2.
        (
            b"abc",
            HashAlgo::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            two_blocks,
            HashAlgo::Sha256,
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (two_blocks, HashAlgo::Xxh3_64, "5bbcbbabcdcc3d3f"),
        (
            b"abc",
            HashAlgo::Blake3,
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
        ),
    ];
    for (data, algo, expected) in cases {
        assert_eq!(hash_hex(data, algo), expected, "{algo}");
    }
}

#[test]
fn a_million_as_match_fips_180_2() {
    let data = vec![b'a'; 1_000_000];
    assert_eq!(
        hash_hex(&data, HashAlgo::Sha256),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
    );
}

#[test]
fn hashing_in_chunks_of_any_size_gives_the_one_shot_digest() {
    // Odd chunk sizes put the edges everywhere: inside XXH3 stripes and blocks, SHA-256
    // blocks and BLAKE3 chunks; 1 << 17 and up takes BLAKE3's parallel path.
    let data = pattern(3 << 18 | 12_345);
    for algo in HashAlgo::ALL {
        let whole = reference(&data, algo);
        for chunk in [
            1,
            63,
            64,
            1000,
            1024,
            4097,
            1 << 17,
            (1 << 17) + 1,
            data.len() - 1,
        ] {
            let job = Job::new();
            job.add_total(data.len() as u64);
            let got = hash_in_chunks(&data, algo, &job, chunk).unwrap();
            assert_eq!(got, whole, "{algo}, chunks of {chunk}");
            assert_eq!(job.progress(), (data.len() as u64, data.len() as u64));
        }
    }
}

#[test]
fn large_inputs_give_the_sequential_digest() {
    // Past BLAKE3's parallel threshold and several chunks, ending mid-chunk.
    let data = pattern(3 * CHUNK + 1);
    for algo in HashAlgo::ALL {
        let job = Job::new();
        assert_eq!(
            hash(&data, algo, &job),
            Ok(reference(&data, algo)),
            "{algo}"
        );
        assert_eq!(job.progress(), (data.len() as u64, data.len() as u64));
    }
}

#[test]
fn hash_many_equals_hash_per_buffer_in_order() {
    // Sizes from empty to several chunks, so groups hold one to hundreds of buffers.
    let mut lens: Vec<usize> = (0..600).map(|i| (i * 7919) % 3000).collect();
    lens.extend([0, CHUNK - 1, CHUNK, 2 * CHUNK + 3, 1 << 17, 0, 5]);
    lens.extend((0..300).map(|i| i % 17));
    let data: Vec<Vec<u8>> = lens
        .iter()
        .enumerate()
        .map(|(i, &len)| (0..len).map(|j| (i * 31 + j * 7) as u8).collect())
        .collect();
    let bufs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    let total: u64 = lens.iter().map(|&l| l as u64).sum();
    for algo in HashAlgo::ALL {
        let job = Job::new();
        let many = hash_many(&bufs, algo, &job).unwrap();
        let one_by_one: Vec<Digest> = bufs.iter().map(|b| reference(b, algo)).collect();
        assert_eq!(many, one_by_one, "{algo}");
        assert_eq!(job.progress(), (total, total), "{algo}");
    }
    assert_eq!(hash_many(&[], HashAlgo::Sha256, &Job::new()), Ok(vec![]));
}

#[test]
fn groups_cover_every_buffer_once_in_order() {
    let data = vec![0_u8; 1000];
    for lens in [
        vec![],
        vec![0; 50],
        vec![1000; 7],
        vec![10, 990, 0, 1000, 5, 5, 5],
    ] {
        let bufs: Vec<&[u8]> = lens.iter().map(|&l| &data[..l]).collect();
        for group_bytes in [1, 100, 1064, 2128, 5000, usize::MAX] {
            let groups = groups(&bufs, group_bytes);
            let flat: Vec<&[u8]> = groups.iter().flat_map(|g| g.iter().copied()).collect();
            assert_eq!(flat, bufs);
            assert!(groups.iter().all(|g| !g.is_empty()));
            // Every group but the last reaches the size.
            for g in groups.iter().rev().skip(1) {
                let weight: usize = g.iter().map(|b| b.len() + BUFFER_COST).sum();
                assert!(weight >= group_bytes, "{lens:?}, {group_bytes}");
            }
        }
    }
}

#[test]
fn a_cancelled_job_stops_hashing() {
    let job = Job::new();
    job.cancel();
    let data = pattern(3 * CHUNK);
    for algo in HashAlgo::ALL {
        assert_eq!(hash(b"abc", algo, &job), Err(KernelError::Canceled));
        assert_eq!(hash(&data, algo, &job), Err(KernelError::Canceled));
        assert_eq!(
            hash_many(&[&data, b"x"], algo, &job),
            Err(KernelError::Canceled)
        );
    }
    assert_eq!(job.progress().0, 0);
}

#[test]
fn algorithm_names_round_trip_and_others_are_refused() {
    for algo in HashAlgo::ALL {
        assert_eq!(algo.name().parse::<HashAlgo>(), Ok(algo));
    }
    for bad in ["", "XXH3-64", "sha-256", "blake3 ", "md5"] {
        let err = bad.parse::<HashAlgo>().unwrap_err();
        assert_eq!(
            err,
            KernelError::invalid(
                "algo",
                format!("must be 'xxh3-64', 'xxh3-128', 'sha256' or 'blake3', got '{bad}'")
            )
        );
    }
}
