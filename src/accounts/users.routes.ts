import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppContext } from '../context.ts'
import { setStatus } from '../conversations/conversation.service.ts'
import { conversationChanged } from '../conversations/after-commit.ts'
import { AUTHENTICATED_ERRORS, AccountParams, ErrorResponse } from '../http/schemas.ts'
import { PERSON_ROLES, type PersonRole, requireAccess } from '../auth/actor.ts'
import type { Person } from './user.repository.ts'
import { DEFAULT_MAX_CONVERSATIONS, PASSWORD_MAX, changeUser, createUser, getUser, listUsers, setPassword } from './user.service.ts'

const tags = ['users']
const WRITE_ERRORS = { ...AUTHENTICATED_ERRORS, 409: ErrorResponse }

const Role = Type.Enum(PERSON_ROLES)
const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 })
const MaxConversations = Type.Integer({ minimum: 1, maximum: 100, description: 'most conversations the agent holds at once' })
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX, description: 'at least 12 characters' })

const UserResponse = Type.Object({
  id: Type.String(),
  login: Type.String(),
  role: Role,
  skills: Type.Array(Type.String()),
  maxConversations: Type.Integer(),
  status: Type.String({ description: '`online`, `away` or `offline`' }),
  disabled: Type.Boolean(),
  welcomedAt: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
})
const UserParams = Type.Intersect([AccountParams, Type.Object({ userId: Type.String({ maxLength: 100 }) })])
const ListQuery = Type.Object({
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  pageSize: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
})
// Bodies are strict, as every other route's: an unknown property is answered 400, never ignored.
const CreateBody = Type.Object({
  login: Type.String({ minLength: 1, maxLength: 255 }),
  role: Role,
  skills: Type.Optional(Skills),
  maxConversations: Type.Optional(MaxConversations),
  password: Password,
}, { additionalProperties: false })
const ChangeBody = Type.Object({
  role: Type.Optional(Role),
  skills: Type.Optional(Skills),
  maxConversations: Type.Optional(MaxConversations),
  disabled: Type.Optional(Type.Boolean({ description: 'a disabled user cannot sign in; their sessions end at once' })),
}, { additionalProperties: false })

function userView(person: Person) {
  return {
    id: person.id,
    login: person.login,
    role: person.role as PersonRole,
    skills: person.skills,
    maxConversations: person.maxConversations,
    status: person.status,
    disabled: person.disabledAt !== null,
    welcomedAt: person.welcomedAt,
    createdAt: person.createdAt,
    updatedAt: person.updatedAt,
  }
}

/** The brand's people, for admins (a session of role `admin`, or an API key with `management`). Never the system user, never a password hash. */
export function userRoutes(ctx: AppContext): FastifyPluginAsync {
  return async (base) => {
    const app = base.withTypeProvider<TypeBoxTypeProvider>()
    const onRequest = requireAccess(ctx, { key: 'management', roles: ['admin'] })

    app.get(
      '/users',
      {
        onRequest,
        schema: { tags, summary: 'List the brand\'s people, by login', params: AccountParams, querystring: ListQuery, response: { 200: Type.Object({ items: Type.Array(UserResponse), page: Type.Integer(), pageSize: Type.Integer(), total: Type.Integer() }), ...AUTHENTICATED_ERRORS } },
      },
      async (request) => {
        const { page, pageSize } = request.query
        const { items, total } = await listUsers(ctx, request.params.accountId, page, pageSize)
        return { items: items.map(userView), page, pageSize, total }
      },
    )

    app.post(
      '/users',
      { onRequest, schema: { tags, summary: 'Add a person (login unique in the brand)', params: AccountParams, body: CreateBody, response: { 201: UserResponse, ...WRITE_ERRORS } } },
      async (request, reply) => {
        const { login, role, skills = [], maxConversations = DEFAULT_MAX_CONVERSATIONS, password } = request.body
        const person = await createUser(ctx, request.params.accountId, { login, role, skills, maxConversations, password })
        return reply.code(201).send(userView(person))
      },
    )

    app.get(
      '/users/:userId',
      { onRequest, schema: { tags, summary: 'Read a person', params: UserParams, response: { 200: UserResponse, ...AUTHENTICATED_ERRORS } } },
      async (request) => userView(await getUser(ctx, request.params.accountId, request.params.userId)),
    )

    app.patch(
      '/users/:userId',
      {
        onRequest,
        schema: {
          tags,
          summary: 'Change a person\'s role, skills, capacity, or disable them',
          description: 'A new role or disabling ends the person\'s sessions at once. The brand\'s last enabled admin cannot be demoted or disabled (409).',
          params: UserParams,
          body: ChangeBody,
          response: { 200: UserResponse, ...WRITE_ERRORS },
        },
      },
      async (request) => {
        const { accountId, userId } = request.params
        const person = await changeUser(ctx, accountId, userId, request.body)
        // Someone who can no longer take conversations (disabled, or no longer an agent) goes
        // offline: the rings waiting on them go to the next agent now. Conversations they hold
        // stay theirs until a manager transfers or closes them.
        if (person.disabledAt !== null || (person.role !== 'agent' && person.role !== 'agent-manager')) {
          await setStatus({ ...ctx, logger: request.log }, accountId, userId, 'offline')
          await conversationChanged({ ...ctx, logger: request.log }, accountId)
        }
        return userView(person)
      },
    )

    app.post(
      '/users/:userId/password',
      { onRequest, schema: { tags, summary: 'Reset a person\'s password (their sessions end)', params: UserParams, body: Type.Object({ password: Password }, { additionalProperties: false }), response: { 204: Type.Null(), ...AUTHENTICATED_ERRORS } } },
      async (request, reply) => {
        await setPassword(ctx, request.params.accountId, request.params.userId, request.body.password)
        return reply.code(204).send(null)
      },
    )
  }
}
