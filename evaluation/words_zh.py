"""The comparison report in Chinese (简体中文): each English template of the report (evaluation/words.py)
and its Chinese, with the same {slots}. Names stay as they are: DCGAN, BigGAN, FID, KID, the flags,
the files, the classes."""

ZH = {
    # ------------------------------------------------------------------ headings and fixed parts
    "DCGAN vs BigGAN on {dataset}{classes}": "DCGAN 与 BigGAN 在 {dataset}{classes} 上的对比",
    " ({classes})": "（{classes}）",
    "Setup": "实验设置",
    "Results": "实验结果",
    "Analysis: who wins": "对比分析",
    "Conclusion": "结论",
    "Per class": "各类别的结果",
    "Samples": "生成样本",
    "Training losses": "训练损失",
    "class": "类别",
    "samples per class": "各类别的样本",
    "loss curves": "损失曲线",
    ".": "。",
    " ": "",  # between sentences
    "; ": "；",
    " and ": " 和 ",
    "the {kind}": "{kind}",
    "Unknown whether the reference was held out.": "无法确定参照集是否被留出。",

    # ------------------------------------------------------------------ the setup
    "Models: DCGAN `{dcgan}`, BigGAN `{biggan}`.": "模型：DCGAN `{dcgan}`，BigGAN `{biggan}`。",
    "Samples: N = {n:,} per model{samples}, seed {seed}, saved as 8-bit images before scoring.":
        "样本：每个模型 N = {n:,} 张{samples}，随机种子 {seed}，评分前先保存为 8 位图像。",
    ", classes cycled evenly": "，各类别轮流、数量相同",
    "Reference: the real **test** split ({n:,} images), {held_out}.":
        "参照集：真实图像的**测试**集（{n:,} 张），{held_out}。",
    "held out from both models' training": "两个模型训练时都没有用过",
    "seen in training (see the warning above)": "训练时用过（见上面的警告）",
    "possibly seen in training (see the warning above)": "训练时可能用过（见上面的警告）",
    "Real-data row: {n:,} real **train** images scored the same way: {floor}.":
        "真实数据行：用同样方法评分的 {n:,} 张真实**训练**图像：{floor}。",
    "what a perfect generator would get at this N: the floor": "即一个完美的生成器在这个 N 下能得到的分数，是下限",
    "a floor only for models that never saw the reference": "只有对没见过参照集的模型才是下限",
    "Classifier: `{path}` (test accuracy {accuracy}). FID and KID use its {dim}-d penultimate features, the score "
    "(Inception-style, between 1 and the number of classes) and the class accuracy its softmax. Comparable between "
    "these models, not with published numbers.":
        "分类器：`{path}`（测试准确率 {accuracy}）。FID 和 KID 使用它倒数第二层的 {dim} 维特征，score（与 Inception Score "
        "同样的算法，介于 1 和类别数之间）和类别准确率使用它的 softmax 输出。这些数字只能在这两个模型之间比较，不能与论文中"
        "发表的数字比较。",
    "No classifier metrics: {why}.": "没有分类器指标：{why}。",
    "Uncertainty: {how}.": "不确定度：{how}。",
    "± is a bootstrap standard error: each row's N images are drawn again with replacement (within each asked-for "
    "class), {resamples} times, and rescored against the same real test images (FID, score, class accuracy, "
    "precision, recall, density, coverage, intra-class FID; every k-NN radius is kept from the full sets). KID's ± "
    "is the std over its 100 subsets of 1,000 images (a cautious bound), IS's over 10 splits, the sampling time's "
    "over 10 parts of the N images. A model wins a measure only when the gap exceeds {times:g} × sqrt(σ₁² + σ₂²); "
    "a smaller gap is within noise":
        "± 是 bootstrap 标准误差：每一行的 N 张图像有放回地重新抽取（在每个要求生成的类别内部抽取）{resamples} 次，"
        "每次都对同样的真实测试图像重新评分（FID、score、类别准确率、precision、recall、density、coverage、类内 FID；"
        "所有 k 近邻半径都取自完整的集合）。KID 的 ± 是它 100 个 1,000 张图像的子集上的标准差（一个保守的上界），"
        "IS 的 ± 来自 10 份划分，采样时间的 ± 来自 N 张图像的 10 个部分。只有当差距超过 {times:g} × sqrt(σ₁² + σ₂²) "
        "时，才算一个模型在这一项上胜出；差距更小时属于噪声范围",
    "Inception (standard) FID, KID and IS: the 2015-12-05 Inception graph `{path}`, {dim}-d pool_3 features, "
    "N = {n:,} images per row against {reference:,} reference images; papers use N = 10,000 or 50,000":
        "Inception（标准）FID、KID 和 IS：2015-12-05 的 Inception 图 `{path}`，{dim} 维 pool_3 特征，每行 "
        "N = {n:,} 张图像，对比 {reference:,} 张参照图像；论文中使用 N = 10,000 或 50,000",
    ". Inception FID left out: it needs more images than its {dim:,} features in each set; KID has no such minimum":
        "。没有计算 Inception FID：它要求每个集合的图像数多于特征的 {dim:,} 维；KID 没有这个下限",
    ": with fewer, FID is biased upwards and not comparable with published numbers":
        "：图像更少时 FID 会偏高，不能与发表的数字比较",
    "Inception FID, KID and IS left out: no Inception graph at {path}; run `{command}` to add the standard FID that "
    "papers publish":
        "没有计算 Inception FID、KID 和 IS：{path} 处没有 Inception 图；运行 `{command}` 即可加上论文中发表的标准 FID",
    "one class": "只有一个类别",
    "no class sub-folders": "没有按类别划分的子文件夹",
    "{dataset} has {has}, so there is no class to recognise and no per-class metric":
        "{dataset} {has}，所以没有可识别的类别，也没有各类别的指标",
    "there is no classifier at {path} (train one with: {command})": "{path} 处没有分类器（用这条命令训练一个：{command}）",

    # ------------------------------------------------------------------ whether the reference was held out
    "Reference held out: {runs}; {reference} were never used in training.":
        "参照集已留出：{runs}；{reference}从未用于训练。",
    "Warning: the reference was seen in training: {runs}. Distances to {reference} flatter the models and the "
    "real-data row is not a floor; {fix}.":
        "警告：参照集在训练时被用过：{runs}。到{reference}的距离会美化模型，真实数据行也不是下限；{fix}。",
    "Warning: unknown whether the reference was held out: {runs}. If a model saw {reference}, its distances flatter "
    "it; {fix}.":
        "警告：无法确定参照集是否被留出：{runs}。如果一个模型见过{reference}，它的距离会美化它；{fix}。",
    "the config.json of {{who}} has no \"data\" record (made before runs recorded their data)":
        "{{who}} 的 config.json 中没有 \"data\" 记录（它是在训练开始记录数据之前做出的）",
    "{{who}} was trained before a folder's held-out images were chosen per image (then: every 10th file in sorted "
    "order, which an added or removed image shifts)":
        "{{who}} 的训练早于按单张图像选取文件夹留出图像的规则（当时的规则是：排序后每第 10 个文件，增删一张图像就会使它移位）",
    "{{who}} trained on the {dataset} train split only (split \"train\"{images})":
        "{{who}} 只在 {dataset} 的训练集上训练（split \"train\"{images}）",
    "{{who}} trained on {everything} (split \"all\"{images}), the reference included":
        "{{who}} 在 {everything} 上训练（split \"all\"{images}），其中包括参照集",
    "the config.json of {{who}} records an unknown split {split!r}": "{{who}} 的 config.json 记录了未知的 split {split!r}",
    "all of {dataset}": "{dataset} 的全部图像",
    ", {count:,} images": "，{count:,} 张图像",
    "retrain both with {fix} (60,000 digits; t10k stays unseen)": "用 {fix} 重新训练两个模型（60,000 个数字；t10k 保持未见）",
    "retrain both with the current training scripts, which train on the train split":
        "用当前的训练脚本重新训练两个模型，它们只在训练集上训练",
    "the {kind} ({n} images then)": "{kind}（当时 {n} 张图像）",
    " The folder's images changed since {runs} trained; images added since were split by the same rule, so the "
    "reference is still held out.":
        "自从 {runs} 训练以来，文件夹中的图像有了变化；之后加入的图像按同样的规则划分，所以参照集仍然是留出的。",
    "the {count:,} MNIST t10k digits": "这 {count:,} 个 MNIST t10k 数字",
    "the {count:,} CIFAR-10 test images": "这 {count:,} 张 CIFAR-10 测试图像",
    "the {count:,} held-out images of {dataset} (1 in 10, chosen per image)":
        "{dataset} 中留出的这 {count:,} 张图像（十张中取一张，按单张图像选取）",
    "real train (floor)": "真实训练图像（下限）",
    "real train (no floor: reference seen)": "真实训练图像（不是下限：参照集被用过）",
    "real train (floor only if held out)": "真实训练图像（留出时才是下限）",

    # ------------------------------------------------------------------ the tables
    "Classifier features: distance and classes": "分类器特征：距离与类别",
    "Our classifier's 128-d features and softmax: comparable between these models only.":
        "本实验分类器的 128 维特征和 softmax：只能在这两个模型之间比较。",
    "Classifier features: fidelity and diversity": "分类器特征：保真度与多样性",
    "The same features: precision and density measure quality, recall and coverage variety.":
        "同样的特征：precision 和 density 衡量质量，recall 和 coverage 衡量多样性。",
    "Inception features (standard)": "Inception 特征（标准）",
    "The 2015-12-05 Inception graph, as in papers (see the sample counts above).":
        "2015-12-05 的 Inception 图，与论文相同（样本数见上文）。",
    "Cost": "开销",
    "What each model took to train and to sample.": "每个模型训练和采样所花的代价。",
    "FID ↓": "FID ↓", "KID ↓": "KID ↓", "IS ↑": "IS ↑",
    "score ↑": "score ↑",
    "class acc. ↑": "类别准确率 ↑",
    "worst class ↑": "最差的类 ↑",
    "precision ↑": "precision ↑", "recall ↑": "recall ↑", "density ↑": "density ↑", "coverage ↑": "coverage ↑",
    "intra-class FID ↓": "类内 FID ↓",
    "params G / D": "参数量 G / D",
    "iterations": "迭代次数",
    "images seen": "见过的图像",
    "train time": "训练时间",
    "images/s": "图像/秒",
    "sample s/1000": "每 1000 张采样秒数",
    "{images:,} images{passes}": "{images:,} 张图像{passes}",
    " ({epochs} epochs)": "（{epochs} 轮）",
    "{mark} KID below 0: an unbiased estimate of a quantity near 0 can come out negative: read it as 0 ± its std.":
        "{mark} KID 小于 0：对一个接近 0 的量做无偏估计，结果可能为负，应读作 0 ± 它的标准差。",
    "FID, KID: lower is better (0 = the same distribution as the test images). Score, IS, class accuracy: higher is "
    "better; class accuracy is how often the classifier recognises the class the model was asked for, the worst "
    "class shows a class the model gets wrong most. Precision (quality): the share of generated images that lie "
    "among real ones (inside the ball reaching a real image's 3rd-nearest real neighbour); recall (diversity): the "
    "share of real images that lie among generated ones. Density (about 1 for a perfect model; above 1 when samples "
    "crowd where real images are dense) and coverage are their outlier-robust versions. Intra-class FID: the FID of "
    "each class on its own, averaged over the classes.":
        "FID、KID：越低越好（0 表示与测试图像的分布相同）。Score、IS、类别准确率：越高越好；类别准确率是分类器认出模型被要求"
        "生成的那个类别的比例，最差的类是模型错得最多的类别。Precision（质量）：生成图像中落在真实图像之间的比例（即落在以某张"
        "真实图像为中心、半径到它第 3 近的真实邻居的球内）；recall（多样性）：真实图像中落在生成图像之间的比例。Density（完美"
        "的模型约为 1；样本挤在真实图像密集的地方时大于 1）和 coverage 是它们不易受离群点影响的版本。类内 FID：每个类别单独"
        "计算的 FID 的平均值。",

    # ------------------------------------------------------------------ per class, samples, losses
    "Each cell: DCGAN / BigGAN (real train images), in bold the model ahead beyond the uncertainty (standard errors "
    "in metrics.json). Every per-class number uses the classifier's features: in the 2048-d Inception space an "
    "intra-class FID would need more than 2,048 images per class in each set.":
        "每个单元格：DCGAN / BigGAN（真实训练图像），加粗的是超出不确定度而领先的模型（标准误差见 metrics.json）。"
        "各类别的数字都使用分类器的特征：在 2048 维的 Inception 空间中，类内 FID 需要每个集合中每类多于 2,048 张图像。",
    "the models are unconditional: there is no class to ask them for": "两个模型都是无条件的：没有可以要求它们生成的类别",
    "Left out: {why}.": "未计算：{why}。",
    "Confusion matrices: what the classifier sees in the images asked for each class (the diagonal is the class "
    "accuracy)": "混淆矩阵：对于要求生成每个类别的图像，分类器认出的是什么（对角线就是类别准确率）",
    "intra-class FID ({dim}-d features)": "类内 FID（{dim} 维特征）",
    "per-class precision and recall": "各类别的 precision 和 recall",
    "{what} needs at least {minimum:,} images per class in each set, but the smallest class has {generated:,} "
    "generated and {real:,} real test images; use --num_samples {enough:,} or more":
        "{what}要求每个集合中每类至少 {minimum:,} 张图像，但最小的类别只有 {generated:,} 张生成图像和 {real:,} 张真实测试"
        "图像；请使用 --num_samples {enough:,} 或更多",
    "One row per class": "每类一行",
    "Random samples in rows": "随机样本，按行排列",
    "{rows}: real test images on top, 10 DCGAN samples left, 10 BigGAN samples right.":
        "{rows}：最上面是真实测试图像，左边 10 张 DCGAN 样本，右边 10 张 BigGAN 样本。",
    " (rows: the class asked for; columns: the class recognised; numbers: % of the row; from the left: DCGAN, "
    "BigGAN, ✓ the real train images)":
        "（行：要求生成的类别；列：分类器认出的类别；数字：占该行的百分比；从左到右：DCGAN、BigGAN、✓ 真实训练图像）",
    " (top row, ✓: real test images; each further row: one class, 10 DCGAN samples left, 10 BigGAN samples right)":
        "（最上面一行 ✓：真实测试图像；下面每行一个类别，左边 10 张 DCGAN 样本，右边 10 张 BigGAN 样本）",
    " (horizontal axis: iteration; left: D's loss, right: G's loss; faint: every iteration, solid: moving average; "
    "dashed: ln 4 and ln 2)":
        "（横轴：迭代次数；左图：D 的损失，右图：G 的损失；浅色：每次迭代，实线：滑动平均；虚线：ln 4 和 ln 2）",
    "The DCGAN minimises cross-entropy (1 D step + 2 G steps an iteration), the BigGAN the hinge loss (several D "
    "steps per G step): compare the shapes of the curves, not the values. The dashed lines are ln 4 ≈ 1.386 (D) and "
    "ln 2 ≈ 0.693 (G), the DCGAN's losses when D outputs 0.5 for every image.":
        "DCGAN 最小化交叉熵（每次迭代 1 步 D + 2 步 G），BigGAN 最小化 hinge 损失（每步 G 之前有几步 D）：应比较曲线的"
        "形状，而不是数值。虚线是 ln 4 ≈ 1.386（D）和 ln 2 ≈ 0.693（G），即 D 对每张图像都输出 0.5 时 DCGAN 的损失。",
    " Over its last 10% of steps this DCGAN averaged d_loss {d:.3f} and g_loss {g:.3f}":
        "这次 DCGAN 在最后 10% 的步数中平均 d_loss 为 {d:.3f}、g_loss 为 {g:.3f}",
    ", near them. The handout's DCGAN tends to sit near them because its D applies batch norm to the real and the "
    "fake batch separately: each batch is normalised with its own statistics, which removes much of what tells "
    "them apart, so D's output stays near 0.5.":
        "，接近这两条线。指导书的 DCGAN 往往停留在它们附近，因为它的 D 对真实批次和生成批次分别做批归一化：每个批次用自己的"
        "统计量归一化，这去掉了很多区分二者的信息，所以 D 的输出停留在 0.5 附近。",
    ", away from them: its D told real from generated images apart (a g_loss above ln 2 means D rejects the "
    "generated images more often than not).":
        "，离这两条线较远：它的 D 能区分真实图像和生成图像（g_loss 高于 ln 2 表示 D 多半会判定生成图像为假）。",
    "Note: no loss log for the {kind} (`{path}` is missing): its curve is skipped.":
        "注意：{kind} 没有损失记录（缺少 `{path}`）：它的曲线没有画出。",

    # ------------------------------------------------------------------ the analysis: measures and groups
    "FID (classifier)": "FID（分类器）", "KID (classifier)": "KID（分类器）", "Score (classifier)": "Score（分类器）",
    "Intra-class FID": "类内 FID", "Class accuracy": "类别准确率", "Worst-class accuracy": "最差类别的准确率",
    "Precision (classifier)": "Precision（分类器）", "Density (classifier)": "Density（分类器）",
    "Recall (classifier)": "Recall（分类器）", "Coverage (classifier)": "Coverage（分类器）",
    "Inception FID": "Inception FID", "Inception KID": "Inception KID", "Inception Score": "Inception Score",
    "Precision (Inception)": "Precision（Inception）", "Density (Inception)": "Density（Inception）",
    "Recall (Inception)": "Recall（Inception）", "Coverage (Inception)": "Coverage（Inception）",
    "Quality": "质量", "are the images realistic?": "图像是否逼真？",
    "Diversity": "多样性", "is the real variety reproduced?": "是否再现了真实数据的多样性？",
    "Overall distance": "总体距离", "FID, KID and the score mix quality and diversity": "FID、KID 和 score 同时反映质量与多样性",
    "Accuracy": "准确率", "Precision": "Precision", "Recall": "Recall",
    "**{title}** ({question}): {tally}.": "**{title}**（{question}）：{tally}。",
    "{name}: the {win} wins ({w} vs {l}, {margin}{floor}{negative}).": "{name}：{win} 胜出（{w} 对 {l}，{margin}{floor}{negative}）。",
    "{name}: no winner ({both}): {why}.": "{name}：不判定胜负（{both}）：{why}。",
    "{name}: within noise ({both}): the gap {gap:.3g} is not above {times:g} × their combined uncertainty.":
        "{name}：在噪声范围内（{both}）：差距 {gap:.3g} 没有超过二者合并不确定度的 {times:g} 倍。",
    "it has no uncertainty to judge the gap by": "没有可以用来判断差距的不确定度",
    "DCGAN {a}, BigGAN {b}": "DCGAN {a}，BigGAN {b}",
    "; real data: {value}": "；真实数据：{value}",
    "; an unbiased estimate of a quantity near 0 can come out negative: read it as 0 ± its std":
        "；对一个接近 0 的量做无偏估计，结果可能为负，应读作 0 ± 它的标准差",
    "{ratio:.1f}x lower": "低 {ratio:.1f} 倍",
    "{share:.0f}% lower": "低 {share:.0f}%",
    "{points:.1f} percentage points": "相差 {points:.1f} 个百分点",
    "by {gap:.3g}": "相差 {gap:.3g}",
    "a draw: each model wins {n} of {total} measures": "平局：两个模型各在 {total} 项中胜出 {n} 项",
    "the {first} wins {n} of {total} measures": "{first} 在 {total} 项中胜出 {n} 项",
    ", the {second} {n}": "，{second} 胜出 {n} 项",
    "{n} within noise": "{n} 项在噪声范围内",
    "{n} not called": "{n} 项不判定",
    "; {rest}": "；{rest}",
    " ({rest})": "（{rest}）",
    "no winner declared (see the warning at the top)": "不判定胜负（见开头的警告）",
    "no measure separates the models beyond its uncertainty": "没有一项指标能在不确定度之外区分两个模型",
    "**Per class** (the table below): in how many classes each model is ahead beyond the uncertainty.":
        "**各类别**（见实验结果中的表格）：每个模型在多少个类别中超出不确定度而领先。",
    "{title}: {tally}; hardest class: {d} for the DCGAN ({d_value}), {b} for the BigGAN ({b_value}).":
        "{title}：{tally}；最难的类别：DCGAN 是 {d}（{d_value}），BigGAN 是 {b}（{b_value}）。",
    "the BigGAN is ahead in {b} of {total} classes, the DCGAN in {d}": "BigGAN 在 {total} 个类别中领先 {b} 个，DCGAN 领先 {d} 个",
    "**Distance from real data**{caveat}: model vs real-data row.": "**与真实数据的距离**{caveat}：模型对真实数据行。",
    " (the real row is no floor here: see the line at the top)": "（这里的真实数据行不是下限：见开头一行）",
    "{name} {value} vs {real}": "{name} {value} 对 {real}",
    " ({times:,.0f}x)": "（{times:,.0f} 倍）",
    "The {kind}: {parts}.": "{kind}：{parts}。",
    "**Cost**: the {faster} samples faster ({a} vs {b} s per 1,000 images).":
        "**开销**：{faster} 采样更快（每 1,000 张 {a} 秒对 {b} 秒）。",
    "**Cost**: the two sample about as fast ({faster} {a}, {slower} {b} s per 1,000 images: the gap is within its "
    "uncertainty).":
        "**开销**：两者采样速度相当（每 1,000 张：{faster} {a} 秒，{slower} {b} 秒；差距在不确定度之内）。",
    "**Cost**: sampling takes {faster} {a}, {slower} {b} s per 1,000 images.":
        "**开销**：每 1,000 张的采样时间为 {faster} {a} 秒，{slower} {b} 秒。",
    " Training budgets: DCGAN {dcgan}; BigGAN {biggan}; a fair comparison gives both about the same time.":
        "训练预算：DCGAN {dcgan}；BigGAN {biggan}；公平的比较应给两者大致相同的时间。",
    "{n:,} iterations": "{n:,} 次迭代",
    "an unknown number of iterations": "迭代次数未知",
    " in {time}": "，用时 {time}",
    "With N = {n:,} the FID is biased upwards (even real images score {fid:.3g}); use N = 10,000 for the numbers you "
    "hand in.":
        "N = {n:,} 时 FID 偏高（连真实图像也得到 {fid:.3g}）；提交报告时请使用 N = 10,000。",

    # ------------------------------------------------------------------ the sanity checks
    "Warning: no winner is declared on {names}, because:": "警告：{names}都不判定胜负，原因是：",
    "Note: {text}.": "注意：{text}。",
    "any measure": "所有指标",
    "the quality measures (precision, density, class accuracy)": "质量指标（precision、density、类别准确率）",
    "every class's accuracy": "每个类别的准确率",
    "every class's precision": "每个类别的 precision",
    "class {name}'s accuracy": "类别 {name} 的准确率",
    "class {name}'s precision": "类别 {name} 的 precision",
    "the {kind}'s config.json has no training record: how long it trained is unknown":
        "{kind} 的 config.json 中没有训练记录：不知道它训练了多久",
    "the {kind} trained only {budget}: under {least:,} iterations or one epoch a GAN still draws something close to "
    "noise, and no measure can rank noise. Train both for longer (a larger --epoch continues from the checkpoint), "
    "then compare again":
        "{kind} 只训练了 {budget}：不到 {least:,} 次迭代或一轮时，GAN 画出的仍接近噪声，而没有任何指标能给噪声排名。请把两个"
        "模型都训练得更久（更大的 --epoch 会从检查点继续），然后再比较",
    "the runs are too short to compare (see the warning at the top)": "训练太短，无法比较（见开头的警告）",
    "the training budgets differ by more than {times:g}x ({ratios}): DCGAN {dcgan}; BigGAN {biggan}. Give both "
    "about the same training time or images (--epoch), then compare again":
        "两次训练的预算相差超过 {times:g} 倍（{ratios}）：DCGAN {dcgan}；BigGAN {biggan}。请给两者大致相同的训练时间或图像数"
        "（--epoch），然后再比较",
    "{times:.1f}x the time": "时间相差 {times:.1f} 倍",
    "{times:.1f}x the images": "图像数相差 {times:.1f} 倍",
    "the training budgets are too unequal (see the warning at the top)": "两次训练的预算相差太大（见开头的警告）",
    "the {kind}'s {short}: {details}: precision, density and class accuracy cannot judge such samples":
        "{kind} 的{short}：{details}：precision、density 和类别准确率无法评判这样的样本",
    "the {kind}'s {short}: precision, density and class accuracy cannot judge such samples":
        "{kind} 的{short}：precision、density 和类别准确率无法评判这样的样本",
    "the {kind}'s {short} (see the warning at the top)": "{kind} 的{short}（见开头的警告）",
    "samples are nearly identical": "样本几乎完全相同",
    "they differ from each other only {shares} of how much real images do": "它们彼此之间的差异只相当于真实图像之间差异的 {shares}",
    "{ratio:.0%} in pixels": "像素上 {ratio:.0%}",
    "{ratio:.0%} in classifier features": "分类器特征上 {ratio:.0%}",
    "{ratio:.0%} in Inception features": "Inception 特征上 {ratio:.0%}",
    "images are blank": "图像是空白的",
    "images of all {n} classes are blank": "全部 {n} 个类别的图像都是空白的",
    "class {names} images are blank": "类别 {names} 的图像是空白的",
    "{low:.3f} to {high:.3f}": "{low:.3f} 到 {high:.3f}",
    "contrast within an image {made} vs {real} for the real images": "图像内部的对比度为 {made}，真实图像为 {real}",
    "contrast within an image {made} vs {real} for the real images of the class":
        "图像内部的对比度为 {made}，该类别的真实图像为 {real}",
    "images are nearly all recognised as {name} ({share:.0%}), whatever class was asked for":
        "图像几乎都被认成 {name}（{share:.0%}），无论要求生成哪个类别",
    "the {kind}'s {name} ({value}) is above the real images' own ({real}); samples crowded into a few dense real "
    "regions score above real data, so this is collapse, not quality":
        "{kind} 的 {name}（{value}）高于真实图像自己的值（{real}）；挤在少数真实数据密集区域的样本会得到比真实数据更高的分数，"
        "所以这是模式坍塌，不是质量高",
    "the {kind}'s {name} ({value}) is above the real images' own ({real}); images the classifier recognises more "
    "surely than real ones are caricatures or one easy class, not better images":
        "{kind} 的 {name}（{value}）高于真实图像自己的值（{real}）；分类器认得比真实图像更有把握的图像，是漫画式的夸张或"
        "一个容易的类别，并不是更好的图像",
    "the {kind} scores above the real images (see the warning at the top)": "{kind} 的分数高于真实图像（见开头的警告）",

    # ------------------------------------------------------------------ the conclusion
    "No model can be called better from these runs: {reason}.": "根据这两次训练，不能判定哪个模型更好：{reason}。",
    "{group}: neither model is ahead": "{group}：两个模型都不领先",
    "{group}: the {kind} ({n} of {total} measures)": "{group}：{kind}（{total} 项中的 {n} 项）",
    "Ahead beyond the uncertainty, on these runs: {leads}.": "在这两次训练中，超出不确定度而领先的是：{leads}。",
    "The reference was not shown to be held out (see the top): the distances may flatter the models.":
        "没有证据表明参照集被留出（见开头）：距离可能美化了模型。",
    "This compares one training run of each model: GAN results vary from seed to seed, so train both again with "
    "another --seed before concluding in general.":
        "这里比较的是每个模型的一次训练：GAN 的结果随随机种子变化，所以在得出一般性的结论之前，请用另一个 --seed 把两个模型"
        "再训练一次。",
    "FID (classifier) left out: the real test split has {n:,} images, and FID needs more than its "
    "{dim} features (a folder holds every 10th image out: {enough:,} photos or more give enough); "
    "KID, the score, class accuracy, precision, recall, density and coverage need no such minimum":
        "没有计算 FID（分类器）：真实测试集只有 {n:,} 张图像，而 FID 需要多于它的 {dim} 维特征（文件夹留出每十张中的一张："
        "{enough:,} 张或更多照片就够了）；KID、score、类别准确率、precision、recall、density 和 coverage 没有这个下限",
    "{what} needs at least {minimum:,} images per class in each set, but the smallest class has "
    "{real:,} real test images (a folder holds every 10th photo out: about {enough:,} photos "
    "of each class give enough)":
        "{what}要求每个集合中每类至少有 {minimum:,} 张图像，但最小的类只有 {real:,} 张真实测试图像（文件夹留出每十张照片中的一张："
        "每类大约 {enough:,} 张照片就够了）",
}
