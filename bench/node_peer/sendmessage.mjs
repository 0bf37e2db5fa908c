// The fan-out of aws-samples/simple-websockets-chat-app's `sendmessage` handler, written from its
// documented behaviour: Scan the connections table, then post the message to every connection at
// once (`Promise.all` of PostToConnectionCommand) with the AWS SDK v3's defaults, deleting a
// connection that answers 410. Two changes, both in the peer's favour or needed to be correct
// here: the Scan keeps only the account's rows (a filter, billed like the unfiltered Scan) and
// follows LastEvaluatedKey; the clients are built once, as a warm Lambda keeps them.
//
// A warm "execution environment": one JSON invocation per stdin line
// ({"table", "account_id", "data"}), one JSON reply per stdout line ({"posted", "gone", "pages"}).
import { createInterface } from "node:readline";
import { ApiGatewayManagementApiClient, PostToConnectionCommand } from "@aws-sdk/client-apigatewaymanagementapi";
import { DeleteItemCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";

const [managementEndpoint, dynamodbEndpoint] = process.argv.slice(2);
const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
const region = "us-east-1";
const dynamodb = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials });
const management = new ApiGatewayManagementApiClient({ endpoint: managementEndpoint, region, credentials });

async function connectionsOf(table, accountId) {
  const ids = [];
  let pages = 0;
  let startKey;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "account_id = :account",
        ExpressionAttributeValues: { ":account": { S: accountId } },
        ProjectionExpression: "pk, sk, connection_id",
        ExclusiveStartKey: startKey,
      }),
    );
    pages += 1;
    for (const item of page.Items ?? []) ids.push({ id: item.connection_id.S, key: { pk: item.pk, sk: item.sk } });
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return { ids, pages };
}

async function sendmessage({ table, account_id: accountId, data }) {
  const { ids, pages } = await connectionsOf(table, accountId);
  let gone = 0;
  await Promise.all(
    ids.map(async ({ id, key }) => {
      try {
        await management.send(new PostToConnectionCommand({ ConnectionId: id, Data: data }));
      } catch (error) {
        if (error.$metadata?.httpStatusCode !== 410) throw error;
        gone += 1;
        await dynamodb.send(new DeleteItemCommand({ TableName: table, Key: key }));
      }
    }),
  );
  return { posted: ids.length - gone, gone, pages };
}

for await (const line of createInterface({ input: process.stdin })) {
  try {
    process.stdout.write(JSON.stringify(await sendmessage(JSON.parse(line))) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error) }) + "\n");
  }
}
