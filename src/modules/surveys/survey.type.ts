import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { Channel, Dimension, ProjectStage, QuestionKind, Segment, SurveyTemplateKind } from '../../domain/enums.js';
import { Connection } from '../../graphql/connection.js';
import { ChannelEnum, DimensionEnum, ProjectStageEnum, QuestionKindEnum, SegmentEnum, SurveyTemplateKindEnum } from '../../graphql/enums.js';
import { toGlobalId } from '../../graphql/global-id.js';
import { Node } from '../../graphql/node.js';
import { LOW_SATISFACTION_MAX, SCALES, type AnswerRow, type QuestionRow, type ResponseRow, type TemplateRow } from './responses.js';

@ObjectType({ description: 'A question of one survey template version.' })
export class SurveyQuestion {
  dbId!: number;
  templateId!: number;

  @Field(() => ID, { description: 'Global ID of this question in this version (answers may name it, or its `code`).' })
  id!: string;

  @Field({ description: 'Names the same question across the template’s versions (e.g. OVERALL, ENGINEERING); statistics by question group on it.' })
  code!: string;

  @Field(() => Int, { description: 'Position in the questionnaire, from 1.' })
  position!: number;

  @Field(() => QuestionKindEnum, { description: 'What it asks for.' })
  kind!: QuestionKind;

  @Field(() => DimensionEnum, { nullable: true, description: 'The dimension a SCORE question measures; null for the other kinds.' })
  dimension!: Dimension | null;

  @Field({ description: 'Whether a response must answer it.' })
  required!: boolean;

  @Field({ description: 'Label in Chinese.' })
  labelZh!: string;

  @Field({ description: 'Label in English.' })
  labelEn!: string;

  @Field(() => Int, { nullable: true, description: 'Lowest score: 1 (很不满意) for SCORE and OVERALL, 0 for NPS; null for TEXT.' })
  minScore!: number | null;

  @Field(() => Int, { nullable: true, description: 'Highest score: 5 (非常满意) for SCORE and OVERALL, 10 for NPS; null for TEXT.' })
  maxScore!: number | null;

  static from(q: QuestionRow): SurveyQuestion {
    const scale = SCALES[q.kind];
    return Object.assign(new SurveyQuestion(), {
      ...q,
      dbId: q.id,
      id: toGlobalId('SurveyQuestion', q.id),
      minScore: scale?.min ?? null,
      maxScore: scale?.max ?? null,
    });
  }
}

@ObjectType({
  implements: Node,
  description:
    '满意度调查问卷 — one version of a survey template. Editing a template (upsertSurveyTemplate) adds a version; a response keeps the version it answered. Group-wide configuration every reader may read.',
})
export class SurveyTemplate extends Node {
  dbId!: number;

  @Field({ description: 'Code, the same for every version (e.g. DELIVERY).' })
  code!: string;

  @Field(() => Int, { description: 'Version, from 1.' })
  version!: number;

  @Field({ description: 'Name.' })
  name!: string;

  @Field(() => SurveyTemplateKindEnum, { description: 'What the survey is for.' })
  kind!: SurveyTemplateKind;

  @Field(() => ProjectStageEnum, { description: 'The journey stage its responses count in (statistics by STAGE).' })
  stage!: ProjectStage;

  @Field(() => String, { nullable: true, description: 'Description.' })
  description!: string | null;

  @Field({ description: 'Whether it takes new responses. An inactive template keeps its responses.' })
  active!: boolean;

  @Field({ description: 'Whether this is the current version of its code.' })
  current!: boolean;

  @Field(() => Date, { nullable: true, description: 'When a newer version replaced it; null for the current version.' })
  supersededAt!: Date | null;

  @Field({ description: 'When this version was created.' })
  createdAt!: Date;

  static from(t: TemplateRow): SurveyTemplate {
    return Object.assign(new SurveyTemplate(), { ...t, dbId: t.id, id: toGlobalId('SurveyTemplate', t.id), current: t.supersededAt === null });
  }
}

@ObjectType({ description: 'One answer of a survey response.' })
export class SurveyAnswer {
  questionId!: number;
  rawText!: string | null;
  textMasked!: string | null;

  @Field(() => Int, { nullable: true, description: 'The score (1–5; NPS 0–10); null for a text answer.' })
  score!: number | null;

  static from(a: AnswerRow): SurveyAnswer {
    return Object.assign(new SurveyAnswer(), { questionId: a.questionId, score: a.score, rawText: a.text, textMasked: a.textMasked });
  }
}

@ObjectType({
  implements: Node,
  description:
    '满意度调查回复 — a customer’s answers to one template version, in a project, optionally following a touchpoint, a planned standard action or a complaint. ' +
    'Visible like the customer’s other records: the project in scope, and CONFIDENTIAL/SECRET customers’ responses only to ADMIN and MANAGER. Free-text answers reach every role but ADMIN with quoted contact data masked.',
})
export class SurveyResponse extends Node {
  dbId!: number;
  templateId!: number;
  customerId!: number;
  projectId!: number;
  touchpointId!: number | null;
  plannedTouchpointId!: number | null;
  complaintId!: number | null;
  createdBy!: string | null;

  @Field(() => Int, { nullable: true, description: 'The answer to the OVERALL question (1–5), null when the template has none. CSAT, the mean and LOW_SATISFACTION come from it.' })
  overallScore!: number | null;

  @Field(() => Int, { nullable: true, description: 'The answer to the NPS question (0–10), null when not answered.' })
  npsScore!: number | null;

  @Field(() => SegmentEnum, { description: 'The customer’s segment when the response was given (statistics by SEGMENT use it).' })
  segment!: Segment;

  @Field(() => ProjectStageEnum, { description: 'The journey stage it counts in: its template’s stage.' })
  stage!: ProjectStage;

  @Field(() => ChannelEnum, { nullable: true, description: 'How the survey was taken, if recorded.' })
  channel!: Channel | null;

  @Field({ description: 'When the customer answered.' })
  submittedAt!: Date;

  @Field({ description: 'When it was recorded.' })
  createdAt!: Date;

  @Field({ description: 'Whether the overall score is 2 or less (不满意/很不满意): such a response raised a LOW_SATISFACTION alert and planned a recovery follow-up (挽回服务).' })
  lowSatisfaction!: boolean;

  static from(r: ResponseRow): SurveyResponse {
    return Object.assign(new SurveyResponse(), { ...r, dbId: r.id, id: toGlobalId('SurveyResponse', r.id), lowSatisfaction: r.overallScore !== null && r.overallScore <= LOW_SATISFACTION_MAX });
  }
}

export const SurveyResponseConnection = Connection(SurveyResponse, 'SurveyResponse');
