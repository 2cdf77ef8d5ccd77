-- コンテンツの一覧。id（半角英数字）は MA システムに渡す識別子、title はお客様が目にする題名です。

content "case-manufacturing" {
  title = "人を増やさずに有望な商談を倍にした、中堅メーカーの取り組み",
  url = "https://example.jp/jirei/seizo",
  channel = "email", format = "case_study", addresses = "anxiety",
}

content "case-general" {
  title = "御社と同じ規模の3社、導入から1年後のいま",
  url = "https://example.jp/jirei",
  channel = "email", format = "case_study", addresses = "anxiety",
}

content "pricing-explained" {
  title = "5分でわかる料金：何にお金がかかり、何にかからないか",
  url = "https://example.jp/ryokin/kaisetsu",
  channel = "email", format = "article", addresses = "price_worry",
}

content "apology" {
  title = "ご迷惑をおかけしました：原因と、私たちがいま取り組んでいること",
  url = "https://example.jp/support/owabi",
  channel = "email", format = "letter", addresses = "frustration",
}

content "intro-article" {
  title = "ナーチャリングメールが読まれない理由と、買い手が本当に読んでいるもの",
  url = "https://example.jp/blog/yomarenai-riyuu",
  channel = "email", format = "article", addresses = "curiosity",
}
