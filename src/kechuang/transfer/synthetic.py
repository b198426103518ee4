"""A synthetic register of results built from word pools, for benchmarks and distractor tests.

Each field has pools of objects, techniques and uses (in Chinese, and the same words in
English), its IPC subclasses and GB/T 4754 industries; a result is a title and an abstract
composed from them, so that synthetic results share vocabulary with real ones (they are
plausible distractors, not noise). Every result has its English title and summary too, for the
cross-border listing. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from kechuang.transfer.matching import Document


@dataclass(frozen=True)
class Field:
    objects: tuple[str, ...]
    techniques: tuple[str, ...]
    uses: tuple[str, ...]
    ipc: tuple[str, ...]
    industries: tuple[str, ...]


@dataclass(frozen=True)
class English:
    """A field's pools in English, word for word with its Chinese pools."""

    objects: tuple[str, ...]
    techniques: tuple[str, ...]
    uses: tuple[str, ...]


FIELDS: dict[str, Field] = {
    "biomed": Field(
        ("单克隆抗体", "小分子抑制剂", "mRNA疫苗", "多肽药物", "纳米制剂", "干细胞", "外泌体",
         "中药复方", "基因载体", "诊断试剂盒"),
        ("高通量筛选", "结构优化", "脂质纳米颗粒递送", "基因编辑", "缓释包衣", "无血清培养",
         "超临界提取", "噬菌体展示", "共价修饰", "等温扩增"),
        ("肿瘤治疗", "糖尿病", "阿尔茨海默病", "自身免疫病", "创面修复", "病毒检测", "心血管疾病",
         "罕见病", "抗感染", "疫苗预防"),
        ("A61K", "A61P", "C07K", "C12N", "C12Q", "C07D"),
        ("C2710", "C2720", "C2740", "C2761", "C2762", "C2770"),
    ),
    "device": Field(
        ("影像设备", "介入导管", "植入支架", "手术机器人", "可穿戴传感器", "监护仪", "超声探头",
         "内窥镜", "骨科螺钉", "人工关节"),
        ("深度学习重建", "柔性电子", "力反馈控制", "可降解合金", "微针电极", "低场磁共振",
         "光学相干断层", "药物涂层", "三维打印", "无线传输"),
        ("微创手术", "床旁诊断", "慢病管理", "康复训练", "早期筛查", "血压监测", "血糖监测",
         "骨折固定", "血管介入", "远程医疗"),
        ("A61B", "A61F", "A61M", "A61L", "G16H", "G01R"),
        ("C3581", "C3582", "C3584", "C3589"),
    ),
    "materials": Field(
        ("复合材料", "涂层", "薄膜", "合金", "弹性体", "陶瓷", "纤维", "泡沫材料", "树脂",
         "气凝胶"),
        ("表面改性", "原位聚合", "定向排列", "热处理", "静电纺丝", "溶胶凝胶", "激光铺放",
         "超临界发泡", "动态交联", "等离子喷涂"),
        ("电子封装", "航空结构", "防腐", "柔性显示", "可降解包装", "隔热", "导热", "耐高温",
         "轻量化", "海洋工程"),
        ("C08L", "C08K", "C08J", "C09D", "C22C", "B29C"),
        ("C2641", "C2651", "C2927", "C3061", "C3240", "C3985"),
    ),
    "ai": Field(
        ("检测模型", "问答系统", "推荐算法", "知识图谱", "语音识别", "预测模型", "调度算法",
         "视觉检测", "决策系统", "数字孪生"),
        ("大语言模型", "小样本学习", "联邦学习", "图神经网络", "强化学习", "多模态融合",
         "自监督预训练", "检索增强", "迁移学习", "边缘计算"),
        ("工业质检", "智能客服", "自动驾驶", "电网调度", "金融风控", "智慧医疗", "仓储物流",
         "城市治理", "设备运维", "法律咨询"),
        ("G06N", "G06F", "G06T", "G06V", "G10L", "G06Q"),
        ("I6511", "I6513", "I6519", "I6550"),
    ),
    "semi": Field(
        ("功率器件", "射频芯片", "光刻胶", "处理器", "存储器", "传感器芯片", "光模块",
         "封装基板", "检测设备", "刻蚀设备"),
        ("碳化硅外延", "氮化镓工艺", "混合键合", "低功耗设计", "存内计算", "硅光集成",
         "原子层沉积", "极紫外曝光", "缺陷检测", "化学机械抛光"),
        ("新能源汽车", "5G基站", "数据中心", "物联网终端", "人工智能芯片", "图像传感",
         "工业控制", "消费电子", "卫星通信", "先进封装"),
        ("H01L", "H03F", "G03F", "G06F", "G11C", "G02F"),
        ("C3562", "C3972", "C3973", "C3976", "C3985", "I6520"),
    ),
    "energy": Field(
        ("固态电池", "正极材料", "电解质", "光伏电池", "电解槽", "燃料电池", "风机基础",
         "储能系统", "催化剂", "电池管理系统"),
        ("硫化物合成", "界面钝化", "掺杂改性", "叠层结构", "层状双氢氧化物", "低铂载量",
         "漂浮式设计", "健康状态估计", "热管理", "梯次利用"),
        ("电动汽车", "电网储能", "绿氢制备", "分布式光伏", "海上风电", "两轮车", "建筑光伏",
         "氢能汽车", "家庭储能", "微电网"),
        ("H01M", "H02J", "C25B", "F03D", "H02S", "G01R"),
        ("C3841", "C3849", "C3825", "C3415", "D4419"),
    ),
    "agri": Field(
        ("水稻品种", "生物农药", "微生物菌剂", "检测试纸", "灌溉系统", "农业无人机",
         "饲料添加剂", "保鲜剂", "育苗基质", "采收机械"),
        ("分子标记辅助", "发酵工艺", "多光谱遥感", "胶体金层析", "水肥一体化", "基因组选择",
         "物联网监测", "变量施肥", "低温等离子", "智能控制"),
        ("盐碱地种植", "病害防治", "秸秆还田", "生猪养殖", "温室蔬菜", "水产养殖", "茶叶加工",
         "果蔬保鲜", "节水灌溉", "土壤改良"),
        ("A01H", "A01N", "A01G", "A01K", "C05F", "A23F"),
        ("A0111", "A0141", "A0412", "C1530", "C2625", "C2631"),
    ),
}  # fmt: skip


ENGLISH: dict[str, English] = {
    "biomed": English(
        ("monoclonal antibody", "small-molecule inhibitor", "mRNA vaccine", "peptide drug",
         "nano-formulation", "stem cells", "exosomes", "herbal compound formula", "gene vector",
         "diagnostic kit"),
        ("high-throughput screening", "structure optimisation", "lipid nanoparticle delivery",
         "gene editing", "sustained-release coating", "serum-free culture",
         "supercritical extraction", "phage display", "covalent modification",
         "isothermal amplification"),
        ("cancer therapy", "diabetes", "Alzheimer's disease", "autoimmune disease",
         "wound repair", "virus testing", "cardiovascular disease", "rare diseases",
         "anti-infection", "vaccine prevention"),
    ),
    "device": English(
        ("imaging equipment", "interventional catheter", "implantable stent", "surgical robot",
         "wearable sensor", "patient monitor", "ultrasound probe", "endoscope",
         "orthopaedic screw", "artificial joint"),
        ("deep-learning reconstruction", "flexible electronics", "force-feedback control",
         "biodegradable alloy", "microneedle electrodes", "low-field MRI",
         "optical coherence tomography", "drug coating", "3D printing", "wireless transmission"),
        ("minimally invasive surgery", "point-of-care diagnosis", "chronic disease management",
         "rehabilitation training", "early screening", "blood pressure monitoring",
         "glucose monitoring", "fracture fixation", "vascular intervention", "telemedicine"),
    ),
    "materials": English(
        ("composite", "coating", "film", "alloy", "elastomer", "ceramic", "fibre", "foam",
         "resin", "aerogel"),
        ("surface modification", "in-situ polymerisation", "directional alignment",
         "heat treatment", "electrospinning", "sol-gel", "laser placement",
         "supercritical foaming", "dynamic cross-linking", "plasma spraying"),
        ("electronic packaging", "aerospace structures", "corrosion protection",
         "flexible displays", "biodegradable packaging", "thermal insulation",
         "heat conduction", "high-temperature resistance", "lightweighting",
         "marine engineering"),
    ),
    "ai": English(
        ("detection model", "question-answering system", "recommendation algorithm",
         "knowledge graph", "speech recognition", "prediction model", "scheduling algorithm",
         "visual inspection", "decision system", "digital twin"),
        ("large language model", "few-shot learning", "federated learning",
         "graph neural network", "reinforcement learning", "multimodal fusion",
         "self-supervised pre-training", "retrieval augmentation", "transfer learning",
         "edge computing"),
        ("industrial quality inspection", "customer service", "autonomous driving",
         "grid dispatch", "financial risk control", "smart healthcare", "warehouse logistics",
         "city governance", "equipment maintenance", "legal advice"),
    ),
    "semi": English(
        ("power device", "RF chip", "photoresist", "processor", "memory", "sensor chip",
         "optical module", "package substrate", "inspection equipment", "etching equipment"),
        ("silicon carbide epitaxy", "gallium nitride process", "hybrid bonding",
         "low-power design", "in-memory computing", "silicon photonics",
         "atomic layer deposition", "EUV exposure", "defect inspection",
         "chemical mechanical polishing"),
        ("electric vehicles", "5G base stations", "data centres", "IoT terminals", "AI chips",
         "image sensing", "industrial control", "consumer electronics",
         "satellite communication", "advanced packaging"),
    ),
    "energy": English(
        ("solid-state battery", "cathode material", "electrolyte", "solar cell",
         "electrolyser", "fuel cell", "wind turbine foundation", "energy storage system",
         "catalyst", "battery management system"),
        ("sulphide synthesis", "interface passivation", "doping modification",
         "tandem structure", "layered double hydroxide", "low platinum loading",
         "floating design", "state-of-health estimation", "thermal management",
         "second-life use"),
        ("electric vehicles", "grid storage", "green hydrogen", "distributed solar",
         "offshore wind", "two-wheelers", "building-integrated PV", "hydrogen vehicles",
         "home storage", "microgrids"),
    ),
    "agri": English(
        ("rice variety", "biopesticide", "microbial inoculant", "test strip",
         "irrigation system", "agricultural drone", "feed additive", "preservative",
         "seedling substrate", "harvesting machine"),
        ("marker-assisted selection", "fermentation process", "multispectral remote sensing",
         "colloidal gold chromatography", "fertigation", "genomic selection",
         "IoT monitoring", "variable-rate fertilising", "cold plasma", "intelligent control"),
        ("saline soil farming", "disease control", "straw return", "pig farming",
         "greenhouse vegetables", "aquaculture", "tea processing", "fresh produce",
         "water-saving irrigation", "soil improvement"),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class SyntheticResult:
    """A synthetic result: its Chinese matching document and its English title and summary."""

    document: Document
    title_en: str
    summary_en: str


def results(count: int, seed: int = 7, first_id: int = 1_000_000) -> Iterator[SyntheticResult]:
    """count synthetic results in Chinese and English, ids from first_id."""
    rng = random.Random(seed)
    names = sorted(FIELDS)
    for n in range(count):
        name = names[rng.randrange(len(names))]
        pool, english = FIELDS[name], ENGLISH[name]
        obj, tech, use = (
            rng.randrange(len(pool.objects)),
            rng.randrange(len(pool.techniques)),
            rng.randrange(len(pool.uses)),
        )
        other_tech, other_use = rng.randrange(len(pool.techniques)), rng.randrange(len(pool.uses))
        title = (
            f"一种基于{pool.techniques[tech]}的{pool.uses[use]}用{pool.objects[obj]}及其制备方法"
        )
        abstract = (
            f"本发明公开了一种{pool.objects[obj]}，采用{pool.techniques[tech]}与"
            f"{pool.techniques[other_tech]}相结合，适用于{pool.uses[use]}和"
            f"{pool.uses[other_use]}，性能稳定，成本较低。"
        )
        codes = tuple(sorted(set(rng.sample(pool.ipc, k=rng.randint(1, 2)))))
        document = Document(first_id + n, title, abstract, codes, rng.choice(pool.industries))
        name_en = english.objects[obj]
        title_en = (
            f"{name_en[:1].upper()}{name_en[1:]} for {english.uses[use]} "
            f"based on {english.techniques[tech]}, and its preparation"
        )
        summary_en = (
            f"A {english.objects[obj]} combining {english.techniques[tech]} with "
            f"{english.techniques[other_tech]}, for {english.uses[use]} and "
            f"{english.uses[other_use]}; stable performance at low cost."
        )
        yield SyntheticResult(document, title_en, summary_en)


def documents(count: int, seed: int = 7, first_id: int = 1_000_000) -> Iterator[Document]:
    """count synthetic results as (Chinese) matching documents, ids from first_id."""
    for result in results(count, seed, first_id):
        yield result.document


def english_documents(count: int, seed: int = 7, first_id: int = 1_000_000) -> Iterator[Document]:
    """The same results as `documents` for the same seed, as English matching documents."""
    for r in results(count, seed, first_id):
        d = r.document
        yield Document(d.id, r.title_en, r.summary_en, d.ipc_codes, d.industry_code)
