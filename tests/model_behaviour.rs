//! Generation with and without the KV cache, batching with left padding, and the error paths of
//! model loading and generation.

use grokked::model::safetensors_io::{read_tensors, write_tensors};
use grokked::prelude::*;

/// Seeded under the process-wide RNG lock: tests run in parallel threads, and two calls must
/// give the same weights.
fn tiny() -> GptModel {
    with_seed(5, || {
        GptModel::new(
            GptConfig::new(GptSize {
                vocab_size: 97,
                n_positions: 32,
                n_layer: 2,
                n_embd: 32,
                n_head: 4,
            })
            .with_dropout(0.0),
            Device::Cpu,
        )
    })
    .unwrap()
}

fn prompts() -> Vec<Vec<i64>> {
    vec![vec![3, 14, 15, 92, 65], vec![27, 18], vec![81, 82, 83]]
}

#[test]
fn kv_cache_equals_full_recomputation() {
    let model = tiny();
    for decoding in [
        Decoding::Greedy,
        Decoding::Sample {
            temperature: 0.8,
            top_k: Some(20),
            top_p: Some(0.9),
        },
    ] {
        let mut opts = GenerateOpts {
            decoding,
            seed: 9,
            ..GenerateOpts::greedy(24)
        };
        let cached = generate(&model.gpt, &prompts(), &opts).unwrap();
        opts.use_cache = false;
        let full = generate(&model.gpt, &prompts(), &opts).unwrap();
        assert_eq!(cached, full, "{decoding:?}");
        assert!(cached.iter().all(|s| s.len() == 24));
    }
}

#[test]
fn cached_logits_equal_full_logits() {
    let model = tiny();
    let ids = Tensor::from_slice(&[5i64, 6, 7, 8, 9, 10]).view([1, 6]);
    let full = tch::no_grad(|| model.gpt.forward(&ids, false)).unwrap();
    let mut cache = KvCache::new(2);
    let mut steps = vec![];
    for t in 0..6 {
        let mut hook = NoHooks;
        let opts = ForwardOpts {
            attention_mask: None,
            cache: Some(&mut cache),
            hook: &mut hook,
            train: false,
            trusted_ids: false,
        };
        steps.push(tch::no_grad(|| model.gpt.forward_with(&ids.narrow(1, t, 1), opts)).unwrap());
    }
    let inc = Tensor::cat(&steps, 1);
    assert!((inc - full).abs().max().double_value(&[]) < 1e-5);
}

#[test]
fn batched_left_padded_greedy_equals_one_by_one() {
    let model = tiny();
    let batched = generate(&model.gpt, &prompts(), &GenerateOpts::greedy(16)).unwrap();
    for (p, b) in prompts().iter().zip(&batched) {
        let single = generate(
            &model.gpt,
            std::slice::from_ref(p),
            &GenerateOpts::greedy(16),
        )
        .unwrap();
        assert_eq!(&single[0], b);
    }
}

#[test]
fn sampling_is_seeded_and_stops_at_the_stop_token() {
    let model = tiny();
    let opts = |seed| GenerateOpts {
        decoding: Decoding::Sample {
            temperature: 1.5,
            top_k: None,
            top_p: None,
        },
        seed,
        ..GenerateOpts::greedy(30)
    };
    let a = generate(&model.gpt, &prompts(), &opts(1)).unwrap();
    assert_eq!(a, generate(&model.gpt, &prompts(), &opts(1)).unwrap());
    assert_ne!(a, generate(&model.gpt, &prompts(), &opts(2)).unwrap());
    // Stop at the first generated token of the greedy run: every row ends right there.
    let greedy = generate(&model.gpt, &prompts()[..1], &GenerateOpts::greedy(30)).unwrap();
    let stop = greedy[0][5];
    let stopped = generate(
        &model.gpt,
        &prompts()[..1],
        &GenerateOpts {
            stop_token: Some(stop),
            ..GenerateOpts::greedy(30)
        },
    )
    .unwrap();
    assert_eq!(stopped[0], greedy[0][..6].to_vec());
}

#[test]
fn prompt_longer_than_n_positions_is_an_error() {
    let model = tiny();
    let err = generate(&model.gpt, &[vec![1; 40]], &GenerateOpts::greedy(40))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("n_positions") && err.contains("40") && err.contains("32"),
        "{err}"
    );
    let err = generate(&model.gpt, &[vec![1; 4]], &GenerateOpts::greedy(50))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("max_length") && err.contains("n_positions"),
        "{err}"
    );
    let ids = Tensor::from_slice(&[1i64, 500]).view([1, 2]);
    let err = model.gpt.forward(&ids, false).unwrap_err().to_string();
    assert!(err.contains("500") && err.contains("vocabulary"), "{err}");
}

fn saved_tiny() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    hf::save_folder(&tiny(), dir.path()).unwrap();
    let weights = dir.path().join(hf::WEIGHTS_FILE);
    (dir, weights)
}

#[test]
fn round_trip_keeps_logits_bit_identical() {
    let model = tiny();
    let (dir, _) = saved_tiny();
    let back = hf::load_folder(dir.path(), Device::Cpu).unwrap();
    let ids = Tensor::from_slice(&[1i64, 2, 3]).view([1, 3]);
    assert_eq!(
        model.gpt.forward(&ids, false).unwrap(),
        back.gpt.forward(&ids, false).unwrap()
    );
}

#[test]
fn wrong_shape_and_missing_tensor_are_named() {
    let (dir, weights) = saved_tiny();
    let mut tensors = read_tensors(&weights).unwrap();
    let victim = tensors
        .iter()
        .position(|(n, _)| n == "transformer.h.1.mlp.c_fc.weight")
        .unwrap();
    tensors[victim].1 = Tensor::zeros([3, 3], (Kind::Float, Device::Cpu));
    write_tensors(&weights, &tensors).unwrap();
    let err = hf::load_folder(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("transformer.h.1.mlp.c_fc.weight") && err.contains("[3, 3]"),
        "{err}"
    );

    let _ = tensors.remove(victim);
    write_tensors(&weights, &tensors).unwrap();
    let err = hf::load_folder(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("transformer.h.1.mlp.c_fc.weight") && err.contains("missing"),
        "{err}"
    );
}

#[test]
fn corrupt_weights_and_bad_config_are_named() {
    let (dir, weights) = saved_tiny();
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let err = hf::load_folder(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("model.safetensors"), "{err}");

    let config = dir.path().join(hf::CONFIG_FILE);
    let text = std::fs::read_to_string(&config).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json.as_object_mut().unwrap().remove("n_head");
    std::fs::write(&config, json.to_string()).unwrap();
    let err = hf::load_folder(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("config.json") && err.contains("n_head"),
        "{err}"
    );

    json["n_head"] = 4.into();
    json["activation_function"] = "gelu_foo".into();
    std::fs::write(&config, json.to_string()).unwrap();
    let err = hf::load_folder(dir.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("activation_function") && err.contains("gelu_foo"),
        "{err}"
    );

    let err = hf::load_folder(&dir.path().join("nowhere"), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(err.contains("nowhere"), "{err}");
}

#[test]
fn bf16_compute_kind_stays_close_to_float32() {
    // The bf16 mixed-precision path (used on CUDA) runs on CPU too: matmuls in bf16, the residual
    // stream and logits in float32.
    let model = tiny();
    let ids = Tensor::from_slice(&[3i64, 14, 15, 92, 65]).view([1, 5]);
    let full = model.gpt.forward(&ids, false).unwrap();
    let low = grokked::model::precision::with_compute_kind(Some(Kind::BFloat16), || {
        model.gpt.forward(&ids, false)
    })
    .unwrap();
    assert_eq!(low.kind(), Kind::Float);
    let diff = (&low - &full).abs().max().double_value(&[]);
    assert!(diff > 0.0 && diff < 0.1, "{diff}");
    let loss = grokked::model::precision::with_compute_kind(Some(Kind::BFloat16), || {
        model.gpt.forward(&ids, true)
    })
    .unwrap()
    .sum(Kind::Float);
    loss.backward();
    assert_eq!(model.gpt.wte.ws.grad().kind(), Kind::Float);
}
